"""On-device benchmark under QEMU: build a model for an emulated board, boot it, and measure
instructions per inference, per-layer split, flash/RAM, and bit-exactness on real inputs.

Usage: python benchmarks/bench_device.py MODEL.tflite [--board mps2-an386]
           [--inputs DIR_WITH_BINS_AND_y_labels.csv] [--random N] [--benchmark-id ID]

Instructions come from QEMU's -icount shift=0 (1 instruction per virtual ns) through SysTick;
they are instructions, not cycles or time.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench_bitexact import load_bins  # noqa: E402
from tinydeploy.compiler.compiled import compile_model  # noqa: E402
from tinydeploy.deploy.boards import load_board  # noqa: E402
from tinydeploy.deploy.build import build_firmware  # noqa: E402
from tinydeploy.deploy.qemu import start_qemu  # noqa: E402
from tinydeploy.measure.dut import Dut  # noqa: E402

from oracle import run_tflm  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--board", default="mps2-an386")
    ap.add_argument("--inputs", type=Path)
    ap.add_argument("--random", type=int, default=2)
    ap.add_argument("--benchmark-id", default=None)
    ap.add_argument("--layers", action="store_true", help="print the per-layer split")
    a = ap.parse_args()
    path = Path(a.model)
    c = compile_model(path)
    g = c.graph
    shape = g.t(g.inputs[0]).shape
    board = load_board(a.board)
    with tempfile.TemporaryDirectory() as d:
        r = build_firmware(c, board, Path(d) / "fw", a.benchmark_id)
        sets = []
        if a.inputs:
            x, labels = load_bins(a.inputs, shape)
            sets.append((f"{len(x)} inputs from {a.inputs.name}", x, labels))
        if a.random:
            x = np.random.default_rng(0).integers(-128, 128, (a.random,) + tuple(shape[1:]),
                                                  dtype=np.int8)
            sets.append((f"{a.random} random inputs", x, None))
        with start_qemu(board, r["elf"]) as q:
            dut = Dut.open(q.url, timeout=30.0)
            dut.wait_ready(30)
            latency, layers = None, None
            for name, x, labels in sets:
                ref = run_tflm(path, x).reshape(len(x), -1)
                exact = correct = 0
                for xi, ri, k in zip(x, ref, range(len(x))):
                    dut.load(xi.astype(np.int8).tobytes())
                    dut.infer(1, 0, timeout=300)
                    res = dut.timing()
                    latency = res["window_counter"]
                    out = np.frombuffer(dut.output(), np.int8)
                    exact += int(np.array_equal(out, ri))
                    if labels is not None:
                        correct += int(out.argmax() == labels[k])
                layers = dut.layers()
                line = f"{name}: {exact}/{len(x)} bit-exact with tflite_micro"
                if labels is not None:
                    line += f", {correct}/{len(x)} correct"
                print(line)
            dut.close()
    size = r["size"]
    print(f"{path.stem} on {board.name}: {latency:,.0f} {res['counter_unit']} per inference; "
          f"flash {size['flash']['total']:,} B (code {size['flash']['code']:,}, weights "
          f"{size['flash']['weights']:,}); RAM {size['ram']['total']:,} B (arena "
          f"{size['ram']['arena']:,}, stack {size['ram']['stack']:,})")
    if a.layers and layers:
        for layer in layers:
            print(f"  {layer['index']:>3} {layer['op']:<20} {layer['macs']:>10,} MACs "
                  f"{layer['time']:>12,} {res['unit']}")


if __name__ == "__main__":
    main()
