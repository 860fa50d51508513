"""`tinydeploy run`: build + flash + profile in one go.

Contract: `run_pipeline(model, board, ...)` builds the firmware, puts it on the board (QEMU
for emulated boards, started and stopped by this function by pid; the board's flash runner
otherwise), profiles it with the model as the host reference, and returns
{"build": build report, "profile": profile report}. On emulated boards QEMU runs with the
cycle model, so the profile has estimated cycles (measure/cycles.py).
"""
from __future__ import annotations

import time

from ..compiler.compiled import Compiled, as_compiled
from ..deploy.boards import Board, as_board
from ..deploy.build import build_firmware
from ..deploy.qemu import start_qemu
from .profile import profile_device


def _sketch_port(board, say, timeout: float = 15.0) -> str:
    """After flashing, the board re-enumerates as the application's USB port."""
    from ..deploy.ports import PortError, find_port
    say("waiting for the board's serial port")
    deadline = time.monotonic() + timeout
    while True:
        try:
            return find_port(board)
        except PortError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def run_pipeline(model: Compiled | str, board: Board | str, *, out_dir=None, benchmark_id=None,
                 inputs=None, runs: int = 10, warmup: int = 1, port=None, runner=None,
                 ppk2=None, limit=None, progress=None) -> dict:
    """See the module docstring. The model is compiled and the board loaded once (here,
    if the caller passed a path and a name) and the objects are handed to every stage."""
    say = progress or (lambda msg: None)
    compiled = as_compiled(model)
    board = as_board(board)
    say(f"build for {board.name}")
    b = build_firmware(compiled, board, out_dir, benchmark_id, progress=say)
    common = dict(board=board, inputs=inputs, runs=runs, warmup=warmup, validate=compiled,
                  ppk2=ppk2, limit=limit, progress=say)
    if board.emulated:
        say(f"boot in QEMU ({board.qemu_machine})")
        with start_qemu(board, b["elf"], cycles=True) as q:
            prof = profile_device(q.url, timeout=600.0, cycle_log=q.cycle_log,
                                  cycle_note=q.cycle_note, **common)
        if q.cycle_log is not None:
            q.cycle_log.unlink(missing_ok=True)
    else:
        from ..deploy.flash import flash
        say(f"flash with {runner or board.runner}")
        flash(b["project"], board, port=port, runner=runner, progress=say)
        prof = profile_device(port or _sketch_port(board, say), **common)
    return {"build": b, "profile": prof}
