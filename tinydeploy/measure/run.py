"""`tinydeploy run`: build + flash + profile in one go.

Contract: `run_pipeline(model, board, ...)` builds the firmware, puts it on the board (QEMU
for emulated boards, started and stopped by this function by pid; the board's flash runner
otherwise), profiles it with the model as the host reference, and returns
{"build": build report, "profile": profile report}.
"""
from __future__ import annotations

import time

from ..target.boards import load_board
from ..target.build import build_firmware
from .profile import profile_device
from ..target.qemu import start_qemu


def _sketch_port(board, say, timeout: float = 15.0) -> str:
    """After flashing, the board re-enumerates as the application's USB port."""
    from ..target.ports import PortError, find_port
    say("waiting for the board's serial port")
    deadline = time.monotonic() + timeout
    while True:
        try:
            return find_port(board)
        except PortError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def run_pipeline(model, board_name: str, *, out_dir=None, benchmark_id=None, inputs=None,
                 runs: int = 10, warmup: int = 1, port=None, runner=None, ppk2=None,
                 limit=None, progress=None) -> dict:
    say = progress or (lambda msg: None)
    board = load_board(board_name)
    say(f"build for {board.name}")
    b = build_firmware(model, board.name, out_dir, benchmark_id, progress=say)
    common = dict(board=board.name, inputs=inputs, runs=runs, warmup=warmup, validate=model,
                  ppk2=ppk2, limit=limit, progress=say)
    if board.emulated:
        say(f"boot in QEMU ({board.qemu_machine})")
        with start_qemu(board, b["elf"]) as q:
            prof = profile_device(q.url, timeout=600.0, **common)
    else:
        from ..target.flash import flash
        say(f"flash with {runner or board.runner}")
        flash(b["project"], board, port=port, runner=runner, progress=say)
        prof = profile_device(port or _sketch_port(board, say), **common)
    return {"build": b, "profile": prof}
