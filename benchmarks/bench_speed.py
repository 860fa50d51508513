"""Speed benchmark: instructions and estimated cycles per inference of the MLPerf Tiny models
on every emulated core, against TFLite Micro + CMSIS-NN and the MLPerf Tiny records in
cycles per MAC, and instructions and cycles per MAC per op type and per layer type.

Usage: python benchmarks/bench_speed.py [MODEL.tflite ...] [--boards B,B,...] [--json]
       (default: kws, vww, ic, ad from ../shared/models/mlperf-tiny/)

Counts come from QEMU -icount shift=0 (one instruction per virtual ns, read through
SysTick by the firmware): instructions, not cycles. Cycles are the cycle model's estimate
(firmware/qemu/td_cycles.c: the core's TRM instruction timings at zero wait states, a lower
bound for a real board; none for the Cortex-M7). Each model is built for each board,
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
from tinydeploy.measure.cycles import CycleLog  # noqa: E402
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
# Cycles per MAC of the MLPerf Tiny v1.3 records on a Cortex-M4 (X-CUBE-AI v10.2 on
# STM32L4R5; Plumerai for ad), as issue 24 quotes them; with flash wait states.
RECORDS = {"kws": "1.96", "vww": "1.43", "ic": "1.59", "ad": "2.21 (Plumerai 1.87)"}
# Issue 24's own estimate on mps2-an386 before this model existed (vww: the dense model).
ISSUE_ESTIMATE = {"kws": 6.17e6, "vww": 19.11e6, "ic": 23.29e6, "ad": 0.569e6}
LAYER_TYPES = ("conv", "depthwise", "pointwise", "fc", "other")
BOARDS = ["mps2-an386", "mps2-an500", "mps2-an505", "mps2-an385", "microbit"]
DEFAULT_MODELS = Path(__file__).resolve().parents[2] / "shared" / "models" / "mlperf-tiny"


def layer_types(compiled) -> list[str]:
    """The type of each kernel call, in the order the device reports layers."""
    g = compiled.graph
    out = []
    for layer in (la for la in compiled.program.layers if la.kernel):
        if layer.op == "DEPTHWISE_CONV_2D":
            out.append("depthwise")
        elif layer.op == "CONV_2D":
            w = g.t(g.ops[layer.index].inputs[1]).shape
            out.append("pointwise" if tuple(w[1:3]) == (1, 1) else "conv")
        else:
            out.append("fc" if layer.op == "FULLY_CONNECTED" else "other")
    return out


def measure(path: Path, board_name: str) -> dict:
    """One model on one board: instructions, estimated cycles, per-layer split (with each
    layer's type and cycles), sizes, bit-exactness."""
    compiled = compile_model(path)
    board = load_board(board_name)
    shape = compiled.graph.t(compiled.graph.inputs[0]).shape
    x = np.random.default_rng(0).integers(-128, 128, tuple(shape[1:]), dtype=np.int8)
    with tempfile.TemporaryDirectory() as d:
        try:
            r = build_firmware(compiled, board, Path(d) / "fw")
        except TinyDeployError as exc:
            return {"error": str(exc).splitlines()[0]}
        with start_qemu(board, r["elf"], cycles=True) as q:
            dut = Dut.open(q.url, timeout=60.0)
            dut.wait_ready(60)
            n_layers = dut.info()["layers"]
            log = CycleLog(q.cycle_log) if q.cycle_log else None
            dut.load(x.tobytes())
            dut.infer(1, 0, timeout=600)
            if log:
                log.infer(1, 0, n_layers)
            res = dut.timing()
            out = np.frombuffer(dut.output(), np.int8)
            layers = dut.layers()
            dut.close()
            if q.cycle_log:
                q.cycle_log.unlink()
    cycles = None
    if log and log.windows:
        w = log.windows[-1]
        cycles = w.cycles
        for layer, c in zip(layers, w.layer_cycles):
            layer["cycles"] = c
    for layer, kind in zip(layers, layer_types(compiled)):
        layer["type"] = kind
    ref = run_tflm(path, x[None]).reshape(-1)
    return {"instructions": res["window_counter"], "cycles": cycles,
            "macs": sum(la["macs"] for la in layers), "unit": res["counter_unit"],
            "bit_exact": bool(np.array_equal(out, ref)), "layers": layers,
            "flash": r["size"]["flash"]["total"], "code": r["size"]["flash"]["code"],
            "arena": r["size"]["ram"]["arena"]}


def per_op(layers: list[dict], key: str = "op") -> dict[str, tuple[int, int, int]]:
    """op (or layer type) -> (MACs, instructions, estimated cycles) summed over the layers."""
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for layer in layers:
        acc[layer[key]][0] += layer["macs"]
        acc[layer[key]][1] += layer["time"]
        acc[layer[key]][2] += layer.get("cycles") or 0
    return {k: (v[0], v[1], v[2]) for k, v in acc.items()}


def print_cycles(results: dict) -> None:
    """Per model: instructions, cycles, cycles per instruction and per MAC beside the
    records; per layer type: share of the cycles and cycles per MAC."""
    print("\nestimated cycles (cycle model, zero wait states) beside the MLPerf Tiny records")
    print("model | board | MACs | instructions | est. cycles | cycles/instr | cycles/MAC | "
          "record cycles/MAC (Cortex-M4) | issue 24's estimate")
    for (model, board), r in results.items():
        if "error" in r or not r["cycles"]:
            continue
        n, c, macs = r["instructions"], r["cycles"], r["macs"]
        est = ISSUE_ESTIMATE.get(model)
        print(f"{model} | {board} | {macs / 1e6:.2f} M | {n / 1e6:.3f} M | {c / 1e6:.3f} M | "
              f"{c / n:.2f} | {c / macs:.2f} | {RECORDS.get(model, '-')} | "
              + (f"{est / 1e6:.3g} M" if est else "-"))
    print("\nper layer type: share of the cycles, cycles/MAC (instructions/MAC)")
    for (model, board), r in results.items():
        if "error" in r or not r["cycles"]:
            continue
        by = per_op(r["layers"], "type")
        total = sum(v[2] for v in by.values()) or 1
        parts = []
        for kind in LAYER_TYPES:
            if kind in by:
                macs, n, c = by[kind]
                parts.append(f"{kind} {c / total * 100:.0f}% " + (
                    f"{c / macs:.2f} ({n / macs:.2f})" if macs else f"{c:,} cycles"))
        print(f"{model} {board}: " + "; ".join(parts))


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
                    + (f" {r['cycles'] / 1e6:8.3f} M est. cycles" if r["cycles"] else "")
                    + f"  bit-exact {'yes' if r['bit_exact'] else 'NO'}  flash {r['flash']:,} B"
                    + f" (code {r['code']:,})  arena {r['arena']:,} B")
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
        for op, (macs, n, _) in sorted(per_op(r["layers"]).items()):
            parts.append(f"{op} {n / macs:.2f}/MAC" if macs else f"{op} {n:,} instr")
        print(f"{model} {board}: " + "; ".join(parts))
    print_cycles(results)
    if a.json:
        print(json.dumps({f"{m}@{b}": r for (m, b), r in results.items()}, indent=1))
    if any(not r.get("bit_exact", True) for r in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
