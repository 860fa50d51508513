"""Compression benchmark (issue 19): weights flash and instructions per inference of the
weight encodings against the same model stored dense, for two models trained here on
seeded synthetic data: an FC autoencoder 320-128-128-16-128-128-320 (like MLPerf Tiny's
ad) and a DS-CNN (conv 10x4 s2 to 64 channels, three depthwise 3x3 + pointwise 64
blocks, average pool, FC 12; input 49x10x1, like kws).

Usage: python benchmarks/bench_compress.py [--boards mps2-an386,mps2-an385] [--json]

Weights = `size.flash.weights` of the build (per-channel tables included); instructions
from QEMU -icount (exact, one input); every run is checked bit for bit against
tflite_micro. Sparse: magnitude pruning of every kernel (smallest 50/75/90% per layer set
to 0.0, no fine-tuning: the sizes and counts do not depend on it), stored sparse by the
default policy ("auto") vs "dense".
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from tinydeploy.compiler.compiled import compile_model  # noqa: E402
from tinydeploy.deploy.boards import load_board  # noqa: E402
from tinydeploy.deploy.build import build_firmware  # noqa: E402
from tinydeploy.deploy.qemu import start_qemu  # noqa: E402
from tinydeploy.measure.dut import Dut  # noqa: E402

from oracle import run_tflm  # noqa: E402

BOARDS = ["mps2-an386", "mps2-an385"]
# issue 19's done-when targets on mps2-an386: (weights ratio max, instructions ratio max,
# instructions strictly below)
SPARSE_TARGETS = {("ad", 0.75): (0.50, 1.0, True), ("kws", 0.75): (0.60, 1.05, False)}


def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tf_keras
    return tf_keras


def train_autoencoder(seed: int = 0):
    """320-128-128-16-128-128-320 on low-rank synthetic spectra; (model, calibration)."""
    keras = _keras()
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((2048, 12)) @ rng.standard_normal((12, 320)) / 3).astype(np.float32)
    L = keras.layers
    inp = keras.Input((320,))
    h = inp
    for n in (128, 128, 16, 128, 128):
        h = L.Dense(n, activation="relu")(h)
    model = keras.Model(inp, L.Dense(320)(h))
    model.compile("adam", "mse")
    model.fit(x, x, epochs=3, batch_size=64, verbose=0)
    return model, x[:64]


def train_ds_cnn(seed: int = 0):
    """DS-CNN on synthetic 49x10 'spectrograms' of 12 classes; (model, calibration)."""
    keras = _keras()
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    protos = rng.standard_normal((12, 49, 10, 1))
    y = rng.integers(0, 12, 1024)
    x = (protos[y] + 0.8 * rng.standard_normal((1024, 49, 10, 1))).astype(np.float32)
    L = keras.layers
    inp = keras.Input((49, 10, 1))
    h = L.Conv2D(64, (10, 4), strides=2, padding="same", use_bias=False)(inp)
    h = L.ReLU()(L.BatchNormalization()(h))
    for _ in range(3):
        h = L.DepthwiseConv2D(3, padding="same", use_bias=False)(h)
        h = L.ReLU()(L.BatchNormalization()(h))
        h = L.Conv2D(64, 1, use_bias=False)(h)
        h = L.ReLU()(L.BatchNormalization()(h))
    h = L.GlobalAveragePooling2D()(h)
    model = keras.Model(inp, L.Dense(12, activation="softmax")(h))
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=3, batch_size=64, verbose=0)
    return model, x[:64]


def convert(model, calib: np.ndarray) -> bytes:
    """Full-int8 .tflite (int8 input and output)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([c[None]] for c in calib)
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = conv.inference_output_type = tf.int8
    return conv.convert()


def measure(path: Path, board_name: str, weights: str) -> dict:
    """Weights flash, instructions per inference and bit-exactness of one build."""
    compiled = compile_model(path, weights=weights)
    board = load_board(board_name)
    shape = compiled.graph.t(compiled.graph.inputs[0]).shape
    x = np.random.default_rng(0).integers(-128, 128, tuple(shape[1:]), dtype=np.int8)
    with tempfile.TemporaryDirectory() as d:
        r = build_firmware(compiled, board, Path(d) / "fw")
        with start_qemu(board, r["elf"]) as q:
            dut = Dut.open(q.url, timeout=60.0)
            dut.wait_ready(60)
            dut.load(x.tobytes())
            dut.infer(1, 0, timeout=600)
            instr = dut.timing()["window_counter"]
            out = np.frombuffer(dut.output(), np.int8)
            dut.close()
    ref = run_tflm(path, x[None]).reshape(-1)
    return {"weights": r["size"]["flash"]["weights"], "instructions": instr,
            "bit_exact": bool(np.array_equal(out, ref)),
            "sparse_layers": sum(layer.encoding == "sparse" for layer in compiled.program.layers)}


def sparse_prune(model, fraction: float) -> None:
    """Per layer, the smallest-magnitude `fraction` of every kernel set to 0.0."""
    for layer in model.layers:
        ws = layer.get_weights()
        if not ws or ws[0].ndim < 2:
            continue
        cut = np.quantile(np.abs(ws[0]), fraction)
        ws[0] = np.where(np.abs(ws[0]) <= cut, 0.0, ws[0]).astype(np.float32)
        layer.set_weights(ws)


def sparse_rows(boards: list[str], work: Path) -> list[dict]:
    """Both models pruned 50/75/90%: dense vs sparse ("auto") on each board."""
    rows = []
    for key, train in (("ad", train_autoencoder), ("kws", train_ds_cnn)):
        model, calib = train()
        base = model.get_weights()
        for frac in (0.5, 0.75, 0.9):
            model.set_weights(base)
            sparse_prune(model, frac)
            path = work / f"{key}_pruned{int(frac * 100)}.tflite"
            path.write_bytes(convert(model, calib))
            for board in boards:
                dense, sparse = measure(path, board, "dense"), measure(path, board, "auto")
                rows.append({"model": key, "pruned": frac, "board": board, "dense": dense,
                             "sparse": sparse,
                             "weights_ratio": sparse["weights"] / dense["weights"],
                             "instr_ratio": sparse["instructions"] / dense["instructions"]})
    return rows


def sparse_table(rows: list[dict]) -> str:
    out = ["| model | pruned | board | weights dense -> sparse (ratio) | instructions dense -> "
           "sparse (ratio) | sparse layers | bit-exact | target (M4) |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        d, s = r["dense"], r["sparse"]
        t = SPARSE_TARGETS.get((r["model"], r["pruned"])) if r["board"] == "mps2-an386" else None
        target = ""
        if t:
            ok = r["weights_ratio"] <= t[0] and (r["instr_ratio"] < t[1] if t[2]
                                                 else r["instr_ratio"] <= t[1])
            target = f"<= {t[0]:.2f}x / {'<' if t[2] else '<='} {t[1]:.2f}x: " + \
                ("met" if ok else "MISSED")
        out.append(f"| {r['model']} | {r['pruned']:.0%} | {r['board']} | {d['weights']:,} -> "
                   f"{s['weights']:,} ({r['weights_ratio']:.3f}x) | {d['instructions']:,} -> "
                   f"{s['instructions']:,} ({r['instr_ratio']:.3f}x) | {s['sparse_layers']} | "
                   f"{d['bit_exact'] and s['bit_exact']} | {target} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boards", default=",".join(BOARDS))
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        rows = sparse_rows(a.boards.split(","), Path(d))
    print(json.dumps(rows, indent=1) if a.json else sparse_table(rows))


if __name__ == "__main__":
    main()
