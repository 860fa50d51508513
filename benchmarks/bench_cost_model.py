"""The latency cost model's error against QEMU's instruction counts on the MLPerf Tiny models.

The shipped coefficients (boards/cost/<core>.json) are fitted on zoo models only
(benchmarks/calibrate_cost_model.py); this measures each MLPerf model's firmware in QEMU
(one inference, td-layers) and prints estimated vs measured instructions.

    PYTHONPATH=$PWD python benchmarks/bench_cost_model.py [--board mps2-an386] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tinydeploy.deploy import cost_model as cmod
from tinydeploy.deploy.boards import load_board
from tinydeploy.measure.calibrate_cost import measure_layers

MODELS = Path(__file__).resolve().parent.parent.parent / "shared" / "models" / "mlperf-tiny"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", default="mps2-an386")
    ap.add_argument("--models", default=str(MODELS))
    ap.add_argument("--json")
    ap.add_argument("--cost", help="a cost model JSON instead of the shipped one")
    a = ap.parse_args()
    board = load_board(a.board)
    cm = cmod.CostModel.load(a.cost) if a.cost else cmod.default_cost_model(board.core)
    out = []
    for name in ("kws", "vww", "ic", "ad"):
        path = Path(a.models) / f"{name}.tflite"
        rows = measure_layers(path, board)
        est = cmod.estimate(path, cm)
        want = sum(r["instructions"] for r in rows)
        err = (est["instructions"] - want) / want
        by_kernel = {}
        for r, e in zip(rows, est["per_layer"]):
            k = by_kernel.setdefault(r["kernel"], [0.0, 0.0])
            k[0] += r["instructions"]
            k[1] += e["instructions"]
        out.append({"model": name, "qemu": want, "estimate": est["instructions"], "error": err,
                    "by_kernel": by_kernel})
        print(f"{name:4s} QEMU {want:14,.0f}  estimate {est['instructions']:14,.0f}  "
              f"error {100 * err:+6.1f} %",
              flush=True)
        for k, (m, e) in sorted(by_kernel.items(), key=lambda kv: -kv[1][0]):
            print(f"       {k:32s} {m:14,.0f} {e:14,.0f} {100 * (e - m) / m:+6.1f} %")
    mean = sum(abs(r["error"]) for r in out) / len(out)
    print(f"mean |error| {100 * mean:.1f} % over {len(out)} models (calibrated on zoo models only)")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
