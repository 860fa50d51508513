"""Will the model fit the board: flash and RAM estimated before anything is written.

Contract: `estimate(compiled, board, benchmark_id)` returns {flash, ram, weights, arena} in
bytes; `check_fit(...)` returns the same or raises FitError naming needed vs available
flash and RAM and what to try. `flash_estimate(program)` is the flash figure alone (used by
optimize's report, which has no board).
"""
from __future__ import annotations

from ..compiler.compiled import Compiled
from ..compiler.program import Program
from ..errors import TinyDeployError
from .benchmarks import benchmark
from .boards import Board, list_boards

# Flash and RAM the firmware needs beyond the model's constants and arena (kernels,
# harness, startup, buffers): measured on the emulated boards, rounded up.
RUNTIME_FLASH = 16 * 1024
RUNTIME_RAM = 2 * 1024


class FitError(TinyDeployError):
    """The model does not fit the board."""


def flash_estimate(program: Program) -> int:
    """Flash the firmware needs: the model's constants plus the runtime."""
    return program.const_bytes + RUNTIME_FLASH


def estimate(compiled: Compiled, board: Board, benchmark_id: str | None) -> dict:
    program, pl = compiled.program, compiled.plan
    g = program.graph
    in_bytes = sum(g.t(t).nbytes for t in g.inputs)      # the harness keeps every input
    if benchmark(benchmark_id).input_mode == "float32":
        in_bytes += 3 * g.t(g.inputs[0]).nbytes
    ram = pl.arena_bytes + board.stack_bytes + in_bytes + RUNTIME_RAM
    return dict(flash=flash_estimate(program), ram=ram, weights=program.const_bytes,
                arena=pl.arena_bytes)


def check_fit(compiled: Compiled, board: Board, benchmark_id: str | None = None) -> dict:
    """Raise FitError, naming needed vs available flash and RAM and what to try."""
    need = estimate(compiled, board, benchmark_id)
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
