"""Calibrate the latency cost model (tinydeploy/deploy/cost_model.py) for one core.

Builds each zoo model (tests/zoo.py) for an emulated board, runs one inference in QEMU, reads
the per-layer instruction counts (td-layers) and fits the per-kernel coefficients; writes
boards/cost/<core>.json (the coefficients tinydeploy ships). Never uses the MLPerf models:
benchmarks/bench_cost_model.py measures the error on those.

    PYTHONPATH=$PWD python benchmarks/calibrate_cost_model.py [--board mps2-an386] [--rows rows.json]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from tinydeploy.deploy import cost_model as cmod  # noqa: E402
from tinydeploy.deploy.boards import load_board  # noqa: E402
from tinydeploy.measure.calibrate_cost import measure_layers  # noqa: E402

import zoo  # noqa: E402

# Diverse kernels and sizes, small and MLPerf-like (the zoo's own ds_cnn, mobilenet, resnet8,
# autoencoder). tests/tf/test_cost_model.py holds out HELD_OUT from these.
CALIBRATION = [
    "ds_cnn", "mobilenet_v1_025", "resnet8", "fc_autoencoder", "mnv3_block", "op_medley",
    "conv_valid_s2_relu6", "conv_5x3_s21", "conv_1x1", "conv_nobias", "conv_grouped",
    "conv1x1_s2_c8_o5", "conv1x1_c16_o3", "conv10x4_s2_c1", "conv3x3_s2_same_c3_o7",
    "dw_dm2_s2_valid", "dw_s2_same", "dw3_same_c4", "dw3_s2_same_c12_even", "dw3_valid_relu_c16",
    "dw5_same_c4", "dw3_dm2_same_c3", "fc_odd_13_7", "fc_nobias", "fc_3d",
    "add_same_shape_c5", "add_bcast_row", "add_residual", "avgpool_global_c64",
    "avgpool_2x2_valid_c3", "maxpool_2x2_valid_c5", "pool_max", "softmax_head", "mean_keepdims",
    "concat_channels", "pad_asym", "mul_se", "logistic_out", "reshape_dense",
]
HELD_OUT = ["conv_same_relu", "dw3_same_c5", "fc_relu"]
# --encoded: the weight-encoding kernels, measured on these models under each policy (a
# forced policy puts dense layers into an encoding too: more shapes and densities) and
# added to the shipped coefficients without refitting the others
ENCODED_MODELS = ["fc_sparse75", "fc_sparse75_wide", "conv1x1_sparse75", "conv3x3_sparse75_c5",
                  "fc_sparse75_c8", "conv1x1_sparse75_c8", "conv3x3_sparse75_c8", "pal_fc16_odd",
                  "pal_fc4_per_tensor", "pal_conv1x1_16", "pal_conv1x1_4_s2", "fc_nm24",
                  "conv1x1_nm24", "conv3x3_nm24_c5", "fc_odd_13_7", "conv1x1_c16_o3",
                  "conv10x4_s2_c1"]
ENCODED_POLICIES = ("auto", "sparse", "palette", "sparse-palette", "nm")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", default="mps2-an386")
    ap.add_argument("--rows", help="also write the measured layer rows (JSON) here")
    ap.add_argument("--from-rows", help="refit from rows written by --rows (no QEMU)")
    ap.add_argument("--exclude", nargs="*", default=[], help="leave these zoo models out of the fit")
    ap.add_argument("-o", "--out", help="default: boards/cost/<core>.json")
    ap.add_argument("--encoded", action="store_true",
                    help="only add the weight-encoding kernels to the shipped coefficients")
    a = ap.parse_args()
    board = load_board(a.board)
    if a.encoded:
        return add_encoded(board, Path(a.out) if a.out else None)
    if a.from_rows:
        old = json.loads(Path(a.from_rows).read_text())
        rows = []          # features recomputed from the models (they may have changed)
        for name in dict.fromkeys(r["model"] for r in old):
            mine = [r for r in old if r["model"] == name]
            new = cmod.layer_features(zoo.tflite_path(name))
            for r, m in zip(new, mine):
                r.update(instructions=m["instructions"], model=name)
            rows += new
    else:
        rows = []
        for name in CALIBRATION:
            got = measure_layers(zoo.tflite_path(name), board)
            rows += got
            print(f"{name}: {len(got)} layers, {sum(r['instructions'] for r in got):,.0f} instructions",
                  flush=True)
        if a.rows:
            Path(a.rows).write_text(json.dumps(rows))
    rows = [r for r in rows if r["model"] not in a.exclude]
    cm = cmod.fit(board.core, rows)
    names = sorted({r["model"] for r in rows})
    cm.calibrated_on = names
    errs = {}
    for n in names:
        mine = [r for r in rows if r["model"] == n]
        want = sum(r["instructions"] for r in mine)
        errs[n] = abs(sum(cm.layer_instructions(r) for r in mine) - want) / want
        print(f"  fit error {n:28s} {100 * errs[n]:6.2f} %")
    cm.error = {"models": len(names), "mean_abs_rel": sum(errs.values()) / len(errs),
                "max_abs_rel": max(errs.values())}
    out = cm.save(a.out or ROOT / "boards" / "cost" / f"{board.core}.json")
    print(f"wrote {out}: {len(cm.coefficients) - 1} kernels, mean fit error "
          f"{100 * cm.error['mean_abs_rel']:.2f} %, max {100 * cm.error['max_abs_rel']:.2f} %")
    return 0


def add_encoded(board, out: Path | None) -> int:
    """Measure ENCODED_MODELS under ENCODED_POLICIES and add their encoded kernels."""
    from tinydeploy.compiler.compiled import compile_model
    path = out or ROOT / "boards" / "cost" / f"{board.core}.json"
    rows, seen = [], set()
    for name in ENCODED_MODELS:
        for policy in ENCODED_POLICIES:
            c = compile_model(zoo.tflite_path(name), weights=policy)
            key = (name, tuple(layer.kernel for layer in c.program.layers))
            if key in seen or not any(layer.dense_const_bytes for layer in c.program.layers):
                continue                    # this model's kernels under another policy
            seen.add(key)
            got = [r for r, layer in zip(measure_layers(c, board),
                                         [x for x in c.program.layers if x.kernel])
                   if layer.dense_const_bytes]
            rows += got
            print(f"{name} {policy}: {len(got)} encoded layers", flush=True)
    # the 2:4 kernels: too few distinct layers here to fit (estimates off by 2-3x on the
    # DS-CNN of bench_compress): left out, so --max-slowdown never judges them
    rows = [r for r in rows if "_nm_" not in r["kernel"]]
    cm = cmod.add_kernels(cmod.CostModel.load(path), rows)
    for kernel in sorted({r["kernel"] for r in rows}):
        mine = [r for r in rows if r["kernel"] == kernel]
        err = [abs(cm.layer_instructions(r) - r["instructions"]) / r["instructions"] for r in mine]
        print(f"  {kernel:40s} {len(mine):3d} layers, fit error mean {100 * np.mean(err):5.1f} %"
              f", max {100 * max(err):5.1f} %")
    cm.save(path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
