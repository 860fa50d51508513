"""`tinydeploy build`: model + board -> firmware project, compiled image and size report.

Contract: `build_firmware(model, board, out_dir, ...)` refuses a model that cannot fit the
board before writing anything (fit.FitError with the numbers), writes the project, compiles it
(bare-metal: make + arm-none-eabi-gcc; Arduino: pio or arduino-cli when installed, and
always a Cortex-M check compile of the model, kernels and harness) and returns a report
with the image paths and the ELF size report.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from ..compiler.compiled import Compiled, as_compiled
from ..errors import ToolError
from ..progress import steps
from ..writer import write_files
from .boards import Board, as_board
from .fit import FitError, check_fit
from .project import linker_script, render_project
from .sizes import size_report
from .stack_usage import StackUnbounded, analyse
from .toolchain import COMMON_CFLAGS, COMPILER_KEYS, compiler_error, cpu_flags, relevant_line, require


def _make(out: Path, progress=None) -> None:
    """make, counting the compile commands it echoes (one per source) for the progress bar."""
    require("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    require("make", "make")
    total = len(re.findall(r"^\t\S+\.c \\$", (out / "Makefile").read_text(), re.M))
    lines = []
    with steps(progress, total, "compiling: source") as tick, subprocess.Popen(
            ["make", "-C", str(out), f"-j{os.cpu_count() or 1}"], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True) as proc:
        assert proc.stdout is not None                  # stdout=PIPE
        for line in proc.stdout:
            lines.append(line)
            if " -c " in line and line.startswith("arm-none-eabi-gcc"):
                tick()
    if proc.returncode != 0:
        text = "".join(lines)
        m = re.search(r"region `(\w+)' overflowed by (\d+) bytes", text)
        if m:
            raise FitError(f"the image does not fit: region {m.group(1)} overflowed by "
                           f"{int(m.group(2)):,} bytes at link time; try a smaller model")
        raise ToolError(f"firmware build failed: {compiler_error(text)}; the project is kept in "
                        f"{out} for inspection (make -C {out})")


def _check_compile(out: Path, board: Board, progress=None) -> list[Path]:
    """Compile the project's portable C for the board's core (no framework headers)."""
    gcc = require("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    src = out / "td_app" / "src"
    objdir = out / "build-check"
    objdir.mkdir(exist_ok=True)
    sources = [c for c in sorted(src.glob("*.c")) if c.name != "td_model_tflite.c"]
    with steps(progress, len(sources), "check compile: source") as tick:
        return _compile_each(gcc, board, src, objdir, sources, tick)


def _compile_each(gcc, board, src, objdir, sources, tick) -> list[Path]:
    objs = []
    for c in sources:
        tick()
        obj = objdir / (c.stem + ".o")
        res = subprocess.run([gcc, *cpu_flags(board.core, board.fpu), *COMMON_CFLAGS,
                              "-DTD_PROFILE_LAYERS", f"-I{src}", "-c", str(c), "-o", str(obj)],
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise ToolError(f"check compile of {c.name} failed: {compiler_error(res.stderr)}; "
                            f"the project is kept in {objdir.parent} for inspection")
        objs.append(obj)
    return objs


def _framework_build(out: Path, board: Board) -> tuple[str, str | None]:
    """(how it was built or how to build it, path of the image if built)."""
    pio, cli = shutil.which("pio"), shutil.which("arduino-cli")
    if pio:
        res = subprocess.run([pio, "run", "-d", str(out)], capture_output=True, text=True)
        if res.returncode != 0:
            raise ToolError("pio run failed: " + relevant_line(res.stdout + res.stderr, COMPILER_KEYS))
        images = sorted((out / ".pio" / "build").glob("*/firmware.*"))
        return "built with PlatformIO", str(images[0]) if images else None
    if cli:
        build = out / "build"
        res = subprocess.run([cli, "compile", "--fqbn", board.arduino["fqbn"], "--output-dir",
                              str(build), str(out / "td_app")], capture_output=True, text=True)
        if res.returncode != 0:
            raise ToolError("arduino-cli compile failed: "
                            + relevant_line(res.stdout + res.stderr, COMPILER_KEYS))
        images = sorted(build.glob("td_app.ino.*"))
        return "built with arduino-cli", str(images[0]) if images else None
    return (f"neither pio nor arduino-cli is installed; build with: cd {out} && pio run   "
            f"(or: arduino-cli compile --fqbn {board.arduino['fqbn']} {out / 'td_app'})"), None


def _reserve_stack(out: Path, board: Board, progress=None) -> dict:
    """Relink the image reserving the analysed worst-case stack instead of the board file's
    guess; when the analysis cannot bound it, the board's figure stays (and says why)."""
    try:
        use = analyse(out / "build" / "firmware.elf", out / "build", board.fpu)
    except StackUnbounded as e:
        return dict(bytes=board.stack_bytes, source="board", reason=str(e))
    if use.bytes != board.stack_bytes:
        write_files(linker_script(board, use.bytes, analysed=True), out)
        _make(out, progress)            # only the link reruns: the script changed
    return dict(bytes=use.bytes, source="analysis", path=use.path, main_bytes=use.main_bytes,
                handler_bytes=use.handler_bytes)


def describe_stack(stack: dict) -> str:
    """One line for the build's text output."""
    if stack["source"] == "board":
        return (f"stack    {stack['bytes']:,} B (the board file's stack_bytes: the analysis "
                f"found no bound, {stack['reason']})")
    return (f"stack    {stack['bytes']:,} B, the worst case by static analysis: "
            f"{stack['main_bytes']:,} B on {' -> '.join(stack['path'])}, "
            f"+ {stack['handler_bytes']:,} B for interrupt handlers")


def default_project_dir(model_stem: str, board_name: str) -> Path:
    """td-build/MODEL-BOARD: one folder right under ./td-build whatever the names hold."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{model_stem}-{board_name}").lstrip(".")
    return Path("td-build") / (safe or "model")


def build_firmware(model: Compiled | str | Path, board: Board | str, out_dir=None,
                   benchmark_id: str | None = None, progress=None,
                   energy_mode: bool = False) -> dict:
    """Build (see module docstring). `model` is a Compiled or a .tflite path, `board` a
    Board or a board name/path; energy_mode builds the EEMBC energy-mode harness (9600 baud,
    marker-pin timestamps). Returns a JSON-able report."""
    say = progress or (lambda msg: None)
    compiled = as_compiled(model)
    board = as_board(board)
    need = check_fit(compiled, board, benchmark_id)
    stem = compiled.path.stem if compiled.path else compiled.name
    out = Path(out_dir or default_project_dir(stem, board.name))
    say(f"writing the {board.framework} project to {out}")
    write_files(render_project(compiled, board, benchmark_id, energy_mode), out)
    report = dict(project=str(out), board=board.name, framework=board.framework,
                  model=str(compiled.path or compiled.name),
                  benchmark_id=benchmark_id or compiled.name,
                  energy_mode=energy_mode,
                  arena_bytes=compiled.plan.arena_bytes, macs=compiled.program.macs,
                  estimate=need)
    if board.framework == "baremetal":
        say("compiling with arm-none-eabi-gcc")
        _make(out, progress)
        elf = out / "build" / "firmware.elf"
        report["stack"] = _reserve_stack(out, board, progress)
        report.update(elf=str(elf), bin=str(out / "build" / "firmware.bin"),
                      hex=str(out / "build" / "firmware.hex"),
                      size=size_report([elf], board), built="built with arm-none-eabi-gcc")
    else:
        say("check compile of the model, kernels and harness for " + board.core)
        objs = _check_compile(out, board, progress)
        report["size"] = size_report(objs, board, complete=False)
        say("building with the board's framework")
        report["built"], report["image"] = _framework_build(out, board)
    return report
