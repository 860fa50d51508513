"""Speed benchmark: instructions per inference of the MLPerf Tiny models on every emulated
core, against TFLite Micro + CMSIS-NN, and instructions per MAC per op type.

Usage: python benchmarks/bench_speed.py [MODEL.tflite ...] [--boards B,B,...] [--json]
       (default: kws, vww, ic, ad from ../shared/models/mlperf-tiny/)

Counts come from QEMU -icount shift=0 (one instruction per virtual ns, read through
SysTick by the firmware): instructions, not cycles. Each model is built for each board,
booted, fed one seeded random input, and checked bit for bit against tflite_micro.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from tinydeploy.compiler.compiled import compile_model  # noqa: E402
from tinydeploy.deploy.boards import load_board  # noqa: E402
from tinydeploy.deploy.build import build_firmware  # noqa: E402
from tinydeploy.deploy.qemu import start_qemu  # noqa: E402
from tinydeploy.errors import TinyDeployError  # noqa: E402
from tinydeploy.measure.dut import Dut  # noqa: E402

from oracle import run_tflm  # noqa: E402

# Instructions per inference on mps2-an386 (Cortex-M4F, arm-none-eabi-gcc 12.2 -O2,
# QEMU -icount shift=0), from shared/design.md section 2 (TFLite Micro built with and
# without CMSIS-NN), and tinydeploy's own figures before the fast kernels (issue 9).
TFLM_CMSIS_NN = {"kws": 7.70e6, "vww": 24.10e6, "ic": 29.86e6, "ad": 0.583e6}
TFLM_REFERENCE = {"kws": 43.1e6, "vww": 100.5e6, "ic": 107.5e6, "ad": 1.95e6}
BEFORE = {("kws", "mps2-an386"): 28.23e6, ("vww", "mps2-an386"): 81.38e6,
          ("ic", "mps2-an386"): 88.36e6, ("ad", "mps2-an386"): 1.97e6,
          ("kws", "mps2-an385"): 28.06e6, ("ad", "mps2-an385"): 1.97e6}
GOAL = {"kws": 4.6e6, "vww": 14.5e6, "ic": 17.9e6, "ad": 0.47e6}
BOARDS = ["mps2-an386", "mps2-an500", "mps2-an505", "mps2-an385", "microbit"]
DEFAULT_MODELS = Path(__file__).resolve().parents[2] / "shared" / "models" / "mlperf-tiny"


def measure(path: Path, board_name: str) -> dict:
    """One model on one board: instructions, per-layer split, sizes, bit-exactness."""
    compiled = compile_model(path)
    board = load_board(board_name)
    shape = compiled.graph.t(compiled.graph.inputs[0]).shape
    x = np.random.default_rng(0).integers(-128, 128, tuple(shape[1:]), dtype=np.int8)
    with tempfile.TemporaryDirectory() as d:
        try:
            r = build_firmware(compiled, board, Path(d) / "fw")
        except TinyDeployError as exc:
            return {"error": str(exc).splitlines()[0]}
        with start_qemu(board, r["elf"]) as q:
            dut = Dut.open(q.url, timeout=60.0)
            dut.wait_ready(60)
            dut.load(x.tobytes())
            dut.infer(1, 0, timeout=600)
            res = dut.timing()
            out = np.frombuffer(dut.output(), np.int8)
            layers = dut.layers()
            dut.close()
    ref = run_tflm(path, x[None]).reshape(-1)
    return {"instructions": res["window_counter"], "unit": res["counter_unit"],
            "bit_exact": bool(np.array_equal(out, ref)), "layers": layers,
            "flash": r["size"]["flash"]["total"], "code": r["size"]["flash"]["code"],
            "arena": r["size"]["ram"]["arena"]}


def per_op(layers: list[dict]) -> dict[str, tuple[int, int]]:
    """op -> (MACs, instructions) summed over the model's layers."""
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for layer in layers:
        acc[layer["op"]][0] += layer["macs"]
        acc[layer["op"]][1] += layer["time"]
    return {k: (v[0], v[1]) for k, v in acc.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", type=Path)
    ap.add_argument("--boards", default=",".join(BOARDS))
    ap.add_argument("--json", action="store_true", help="print the raw results as JSON")
    a = ap.parse_args()
    models = a.models or [DEFAULT_MODELS / f"{m}.tflite" for m in ("kws", "vww", "ic", "ad")]
    boards = a.boards.split(",")
    results = {}
    for path in models:
        for board in boards:
            r = measure(path, board)
            results[(path.stem, board)] = r
            if "error" in r:
                print(f"{path.stem:>4} {board:<12} {r['error']}", flush=True)
                continue
            line = (f"{path.stem:>4} {board:<12} {r['instructions'] / 1e6:8.3f} M instructions"
                    f"  bit-exact {'yes' if r['bit_exact'] else 'NO'}  flash {r['flash']:,} B"
                    f" (code {r['code']:,})  arena {r['arena']:,} B")
            before = BEFORE.get((path.stem, board))
            if before:
                line += f"  (before: {before / 1e6:.2f} M, x{before / r['instructions']:.2f})"
            print(line, flush=True)
    print("\nmodel | board | instructions | / TFLM+CMSIS-NN | goal (0.6-0.8x) | TFLM reference")
    for (model, board), r in results.items():
        if "error" in r:
            continue
        n = r["instructions"]
        cm = TFLM_CMSIS_NN.get(model)
        print(f"{model} | {board} | {n / 1e6:.3f} M | "
              + (f"{n / cm:.2f}x of {cm / 1e6:.3g} M | {GOAL[model] / 1e6:.3g} M | "
                 f"{TFLM_REFERENCE[model] / 1e6:.4g} M" if cm else "- | - | -"))
    print("\ninstructions per MAC by op (sum over the model's layers)")
    for (model, board), r in results.items():
        if "error" in r:
            continue
        parts = []
        for op, (macs, n) in sorted(per_op(r["layers"]).items()):
            parts.append(f"{op} {n / macs:.2f}/MAC" if macs else f"{op} {n:,} instr")
        print(f"{model} {board}: " + "; ".join(parts))
    if a.json:
        print(json.dumps({f"{m}@{b}": r for (m, b), r in results.items()}, indent=1))
    if any(not r.get("bit_exact", True) for r in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
