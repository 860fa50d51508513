"""What the MLPerf Tiny runner's performance mode computes from our firmware, beside what
`tinydeploy profile` reports. Builds MODEL for an emulated board, boots it in QEMU, then runs
the runner's performance script by hand: 5 windows of `infer N W`, each window's elapsed time
taken as the second m-lap-us minus the first (the runner's formula: no wrap handling) and
its throughput N / elapsed. Prints every window, then profile's time and exact instruction
count for the same board. On emulated boards the lap lines carry the virtual clock
(the board's nominal clock at one instruction per cycle), so the window latency must equal
profile's time and the instructions / MHz.

Usage: python benchmarks/bench_runner_timing.py MODEL.tflite [--board mps2-an386]
           [--iterations N] [--warmups W] [--benchmark-id kws01]
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.deploy.boards import load_board
from tinydeploy.deploy.build import build_firmware
from tinydeploy.deploy.qemu import start_qemu
from tinydeploy.measure.dut import Dut
from tinydeploy.measure.profile import profile_device

_LAP = re.compile(r"^m-lap-us-([0-9]+)$")


def runner_window(dut: Dut, n: int, w: int) -> dict:
    """One performance window as the runner's _ScriptInferStep computes it."""
    lines = dut.command(f"infer {n} {w}", timeout=3600)
    laps = [int(m.group(1)) for m in map(_LAP.match, lines) if m]
    elapsed_us = laps[1] - laps[0]
    return {"elapsed_us": elapsed_us, "latency_us": elapsed_us / n,
            "throughput": n / (elapsed_us / 1e6)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--board", default="mps2-an386")
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--warmups", type=int, default=1)
    ap.add_argument("--benchmark-id", default=None)
    a = ap.parse_args()
    c = compile_model(a.model)
    board = load_board(a.board)
    g = c.graph
    x = np.random.default_rng(0).integers(-128, 128, g.t(g.inputs[0]).size, dtype=np.int8)
    with tempfile.TemporaryDirectory() as d:
        r = build_firmware(c, board, Path(d) / "fw", a.benchmark_id)
        with start_qemu(board, r["elf"]) as q:
            dut = Dut.open(q.url, timeout=60.0)
            dut.wait_ready(60)
            dut.load(x.tobytes())
            windows = [runner_window(dut, a.iterations, a.warmups) for _ in range(5)]
            prof = profile_device(q.url, runs=a.iterations, warmup=a.warmups, dut=dut)
            dut.close()
    mhz = board.clock_hz / 1e6
    print(f"{Path(a.model).stem} on {board.name} (virtual clock {mhz:g} MHz, 1 instruction/cycle)")
    for k, win in enumerate(windows, 1):
        print(f"  runner window {k}: {a.iterations} inferences, {win['elapsed_us']:,} us, "
              f"{win['latency_us']:,.1f} us/inference, {win['throughput']:.3f} inf./s")
    t, lat = prof["time"]["value"], prof["latency"]["value"]
    mean = sum(w["latency_us"] for w in windows) / len(windows)
    print(f"  profile: {t:,.1f} us/inference; {lat:,.0f} instructions/inference "
          f"= {lat / mhz:,.1f} us at {mhz:g} MHz")
    dev = max(abs(w["latency_us"] - t) / t for w in windows)
    print(f"  runner windows vs profile time: mean {mean:,.1f} us, largest deviation "
          f"{dev * 100:.3f}%; all windows positive: {all(w['elapsed_us'] > 0 for w in windows)}")
    return 0 if dev < 0.01 and all(w["elapsed_us"] > 0 for w in windows) else 1


if __name__ == "__main__":
    sys.exit(main())
