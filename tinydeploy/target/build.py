"""`tinydeploy build`: model + board -> firmware project, compiled image and size report.

Contract: `build_firmware(model, board, out_dir, ...)` refuses a model that cannot fit the
board before writing anything (FitError with the numbers), writes the project, compiles it
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

from .boards import Board, list_boards, load_board
from ..errors import TinyDeployError, ToolError
from ..compiler.lower import lower
from ..compiler.planner import plan
from .project import BENCHMARKS, render_project
from ..compiler.reader import load_model
from .sizes import size_report
from .toolchain import COMMON_CFLAGS, cpu_flags, require
from ..writer import write_files

# Flash and RAM the firmware needs beyond the model's constants and arena (kernels,
# harness, startup, buffers): measured on the emulated boards, rounded up.
RUNTIME_FLASH = 16 * 1024
RUNTIME_RAM = 2 * 1024


class FitError(TinyDeployError):
    """The model does not fit the board."""


def estimate(program, pl, board: Board, benchmark_id: str | None) -> dict:
    g = program.graph
    in_bytes = g.t(g.inputs[0]).nbytes
    if BENCHMARKS.get(benchmark_id or "", ("",))[0] == "TD_INPUT_FLOAT32":
        in_bytes *= 4
    flash = program.const_bytes + RUNTIME_FLASH
    ram = pl.arena_bytes + board.stack_bytes + in_bytes + RUNTIME_RAM
    return dict(flash=flash, ram=ram, weights=program.const_bytes, arena=pl.arena_bytes)


def check_fit(program, pl, board: Board, benchmark_id: str | None = None) -> dict:
    """Raise FitError, naming needed vs available flash and RAM and what to try."""
    need = estimate(program, pl, board, benchmark_id)
    if need["flash"] <= board.flash.size and need["ram"] <= board.ram.size:
        return need
    bigger = [b.name for b in list_boards()
              if b.flash.size >= need["flash"] and b.ram.size >= need["ram"] and not b.emulated]
    problems = []
    if need["flash"] > board.flash.size:
        problems.append(f"flash needs ~{need['flash']:,} B (constants {need['weights']:,}) but "
                        f"{board.name} has {board.flash.size:,}")
    if need["ram"] > board.ram.size:
        problems.append(f"RAM needs ~{need['ram']:,} B (arena {need['arena']:,}, stack "
                        f"{board.stack_bytes:,}) but {board.name} has {board.ram.size:,}")
    hint = ("try pruning/clustering or a smaller model"
            + (f", or a board with more memory ({', '.join(bigger)})" if bigger else ""))
    raise FitError(f"model does not fit {board.name}: {'; '.join(problems)}; {hint}")


def _first_error(output: str) -> str:
    for line in output.splitlines():
        if "error" in line.lower() or "overflow" in line.lower():
            return line.strip()[:300]
    lines = [ln for ln in output.splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "(no output)"


def _make(out: Path) -> None:
    require("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    require("make", "make")
    res = subprocess.run(["make", "-C", str(out), f"-j{os.cpu_count() or 1}"],
                         capture_output=True, text=True)
    if res.returncode != 0:
        text = res.stdout + res.stderr
        m = re.search(r"region `(\w+)' overflowed by (\d+) bytes", text)
        if m:
            raise FitError(f"the image does not fit: region {m.group(1)} overflowed by "
                           f"{int(m.group(2)):,} bytes at link time; try a smaller model")
        raise ToolError(f"firmware build failed: {_first_error(text)} (see {out}/Makefile)")


def _check_compile(out: Path, board: Board) -> list[Path]:
    """Compile the project's portable C for the board's core (no framework headers)."""
    gcc = require("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi")
    src = out / "td_app" / "src"
    objdir = out / "build-check"
    objdir.mkdir(exist_ok=True)
    objs = []
    for c in sorted(src.glob("*.c")):
        if c.name == "td_model_tflite.c":
            continue
        obj = objdir / (c.stem + ".o")
        res = subprocess.run([gcc, *cpu_flags(board.core, board.fpu), *COMMON_CFLAGS,
                              "-DTD_PROFILE_LAYERS", f"-I{src}", "-c", str(c), "-o", str(obj)],
                             capture_output=True, text=True)
        if res.returncode != 0:
            raise ToolError(f"check compile of {c.name} failed: {_first_error(res.stderr)}")
        objs.append(obj)
    return objs


def _framework_build(out: Path, board: Board) -> tuple[str, str | None]:
    """(how it was built or how to build it, path of the image if built)."""
    pio, cli = shutil.which("pio"), shutil.which("arduino-cli")
    if pio:
        res = subprocess.run([pio, "run", "-d", str(out)], capture_output=True, text=True)
        if res.returncode != 0:
            raise ToolError(f"pio run failed: {_first_error(res.stdout + res.stderr)}")
        images = sorted((out / ".pio" / "build").glob("*/firmware.*"))
        return "built with PlatformIO", str(images[0]) if images else None
    if cli:
        build = out / "build"
        res = subprocess.run([cli, "compile", "--fqbn", board.arduino["fqbn"], "--output-dir",
                              str(build), str(out / "td_app")], capture_output=True, text=True)
        if res.returncode != 0:
            raise ToolError(f"arduino-cli compile failed: {_first_error(res.stdout + res.stderr)}")
        images = sorted(build.glob("td_app.ino.*"))
        return "built with arduino-cli", str(images[0]) if images else None
    return (f"neither pio nor arduino-cli is installed; build with: cd {out} && pio run   "
            f"(or: arduino-cli compile --fqbn {board.arduino['fqbn']} {out / 'td_app'})"), None


def build_firmware(model_path, board_name: str, out_dir=None, benchmark_id: str | None = None,
                   progress=None) -> dict:
    """Build (see module docstring). Returns a JSON-able report."""
    say = progress or (lambda msg: None)
    g = load_model(model_path)
    board = load_board(board_name)
    program = lower(g)
    pl = plan(program)
    need = check_fit(program, pl, board, benchmark_id)
    out = Path(out_dir or Path("td-build") / f"{Path(model_path).stem}-{board.name}")
    say(f"writing the {board.framework} project to {out}")
    write_files(render_project(program, pl, board, Path(model_path).read_bytes(), benchmark_id),
                out)
    report = dict(project=str(out), board=board.name, framework=board.framework,
                  model=str(model_path), benchmark_id=benchmark_id or g.name,
                  arena_bytes=pl.arena_bytes, macs=program.macs, estimate=need)
    if board.framework == "baremetal":
        say("compiling with arm-none-eabi-gcc")
        _make(out)
        elf = out / "build" / "firmware.elf"
        report.update(elf=str(elf), bin=str(out / "build" / "firmware.bin"),
                      hex=str(out / "build" / "firmware.hex"),
                      size=size_report([elf], board), built="built with arm-none-eabi-gcc")
    else:
        say("check compile of the model, kernels and harness for " + board.core)
        objs = _check_compile(out, board)
        report["size"] = size_report(objs, board, complete=False)
        say("building with the board's framework")
        report["built"], report["image"] = _framework_build(out, board)
    return report
