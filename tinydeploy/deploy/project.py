"""Render a self-contained firmware project for a board: {relative_path: text}.

Contract: `render_project(compiled, board, benchmark_id)` returns every
file of the project: the generated model, the hand-written firmware sources the board
needs (kernels, harness, its port, startup), the board header and linker script, and the
build files (a Makefile for bare-metal boards; platformio.ini plus an Arduino sketch for
Arduino boards). Nothing in it refers to tinydeploy's install location.
"""
from __future__ import annotations

import hashlib

from ..compiler.cnames import c_string
from ..compiler.codegen import generate
from ..compiler.compiled import Compiled
from ..compiler.program import Program
from ..errors import ModelError
from ..resources import data_dir, template_env
from .benchmarks import benchmark
from .boards import Board
from .toolchain import COMMON_CFLAGS, cpu_flags


def _firmware_files(board: Board) -> dict[str, str]:
    """Hand-written sources this board needs, keyed by their path under firmware/."""
    fw = data_dir("firmware")
    dirs = ["kernels", "harness", f"ports/{board.port}"]
    if board.framework == "baremetal":
        dirs.append("startup")
    files = {"td_port.h": (fw / "td_port.h").read_text()}
    for d in dirs:
        for p in sorted((fw / d).iterdir()):
            if p.suffix in (".c", ".h", ".cpp"):
                files[f"{d}/{p.name}"] = p.read_text()
    return files


def check_benchmark_io(program: Program, benchmark_id: str) -> None:
    """Refuse up front, in one line, a benchmark input/result format the model cannot take:
    the uint8-offset / float32 input modes and the MSE result convert into and out of one
    int8 input and output (the harness also refuses them at compile time)."""
    bench = benchmark(benchmark_id)
    g = program.graph
    dtypes = [g.t(t).dtype for t in g.inputs + g.outputs]
    if bench.input_mode == "int8" and bench.results == "scores":
        return
    if len(g.inputs) > 1 or any(d != "int8" for d in dtypes) or (
            bench.results == "mse" and len(g.outputs) > 1):
        raise ModelError(f"benchmark id {benchmark_id} converts the input ({bench.input_mode}) "
                         f"and reports {bench.results}, which needs one int8 input and output; "
                         f"this model has {len(g.inputs)} input(s) and {len(g.outputs)} "
                         f"output(s) of dtype {', '.join(dtypes)}: build it without "
                         "--benchmark-id")


# EEMBC energy mode: the energy monitor's UART runs at 9600 baud and timestamps are pin pulses.
ENERGY_BAUD = 9600


def board_data(board: Board, program: Program, benchmark_id: str, build_id: str,
               energy_mode: bool = False) -> dict:
    bench = benchmark(benchmark_id)
    check_benchmark_io(program, benchmark_id)
    # board names are held to [A-Za-z0-9_-] on load; c_string again where they are rendered
    return dict(board_name=c_string(board.name), clock_hz=board.clock_hz,
                baud=ENERGY_BAUD if energy_mode else board.baud, energy_mode=int(energy_mode),
                counter_unit="instructions" if board.emulated else "us",
                clock_kind=board.clock_kind, us_per_tick=board.us_per_tick,
                instr_per_tick=board.instr_per_tick, port_defines=sorted(board.port_defines.items()),
                benchmark_id=c_string(benchmark_id, 32),
                input_mode=bench.c_input, results_mode=bench.c_results, build_id=build_id,
                core=board.core, model_name=c_string(program.graph.name),
                own_startup=int(board.framework == "baremetal"),
                qemu_machine=board.qemu_machine)


def linker_script(board: Board, stack_bytes: int, analysed: bool = False) -> dict[str, str]:
    """The project's linker script reserving `stack_bytes` of stack above .bss (analysed:
    the figure is the static analysis's worst case, not the board file's)."""
    return {"board/td_linker.ld": template_env().get_template(
        "project/board/td_linker.ld.j2").render(
        flash_origin=board.flash.origin, flash_size=board.flash.size,
        ram_origin=board.ram.origin, ram_size=board.ram.size, stack_bytes=stack_bytes,
        analysed=analysed)}


def render_project(compiled: Compiled, board: Board, benchmark_id: str | None = None,
                   energy_mode: bool = False) -> dict[str, str]:
    """All files of the firmware project (see module docstring). energy_mode: the EEMBC
    energy-mode harness (9600 baud, timestamps as marker-pin pulses)."""
    env = template_env()
    program, tflite_bytes = compiled.program, compiled.tflite_bytes
    bench = benchmark_id or program.graph.name
    build_id = hashlib.sha256(tflite_bytes + board.name.encode() + bench.encode()).hexdigest()[:12]
    data = board_data(board, program, bench, build_id, energy_mode)
    model = generate(program, compiled.plan, tflite_bytes)
    fw = _firmware_files(board)
    if board.framework == "arduino":
        return _arduino(env, board, data, model, fw)
    files = dict(model)
    files.update({f"firmware/{k}": v for k, v in fw.items()})
    files["board/td_board.h"] = env.get_template("project/board/td_board.h.j2").render(**data)
    files.update(linker_script(board, board.stack_bytes))
    sources = sorted(k for k in files if k.endswith(".c") and k != "model/td_model_tflite.c")
    files["Makefile"] = env.get_template("project/Makefile.j2").render(
        **data, cpu_flags=" ".join(cpu_flags(board.core, board.fpu)),
        cflags=" ".join(COMMON_CFLAGS), sources=sources)
    files["README.md"] = env.get_template("project/README.md.j2").render(**data)
    return files


def _arduino(env, board: Board, data: dict, model: dict, fw: dict) -> dict[str, str]:
    """Arduino sketch layout (td_app/td_app.ino + td_app/src/, flat so includes resolve) and
    a platformio.ini that builds the same folder."""
    files = {}
    for path, text in list(model.items()) + list(fw.items()):
        files[f"td_app/src/{path.rsplit('/', 1)[-1]}"] = text
    files["td_app/src/td_board.h"] = env.get_template("project/board/td_board.h.j2").render(**data)
    files["td_app/td_app.ino"] = env.get_template("arduino/td_app/td_app.ino.j2").render(
        **data, fqbn=board.arduino["fqbn"])
    files["platformio.ini"] = env.get_template("arduino/platformio.ini.j2").render(
        **data, pio_board=board.arduino["pio_board"], pio_platform=board.arduino["pio_platform"])
    return files
