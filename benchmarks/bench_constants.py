"""Per-channel constants of the fast kernels (issue 19): a channel-heavy Keras MobileNetV2
stored dense, bytes of the tables the build adds per output channel, flash and
instructions per inference on mps2-an386 (Cortex-M4), against the 20-byte tables before.

Usage: python benchmarks/bench_constants.py [--model MNV2.tflite] [--board mps2-an386]

The model is tf.keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35,
weights=None, classes=2), seeded, its BatchNorm statistics set layer by layer from 32
random inputs (random weights alone collapse the activations and TFLite's interpreters
abort), converted to int8 calibrated on 128 of them (bench_compress.to_int8); `--model`
reuses (or, if absent, writes) that file. One seeded random input in QEMU (-icount, exact
instructions), checked bit for bit against tflite_micro.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench_compress import to_int8  # noqa: E402
from bench_speed import measure  # noqa: E402
from tinydeploy.compiler.compiled import compile_model  # noqa: E402

# main at 0886940 (20-byte tables: acc0 + c_lo, c_hi, mult, rshift), same model and board
BEFORE = {"instructions": 23.060e6, "flash": 579_432, "per_channel": 20}
GOAL_PER_CHANNEL, GOAL_INSTR = 12, 1.02
TABLE_KERNELS = ("td_conv2d_1x1_s8", "td_conv2d_im2col_s8", "td_depthwise_conv2d_3x3_s8",
                 "td_fully_connected_rows4_s8")


def make_mobilenet_v2(path: Path) -> None:
    """MobileNetV2 0.35, 96x96x3, 2 classes, int8, BatchNorm statistics from data."""
    import tensorflow as tf
    keras = tf.keras
    keras.utils.set_random_seed(0)
    model = keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, weights=None,
                                           classes=2)
    x = np.random.default_rng(0).uniform(-1, 1, (256, 96, 96, 3)).astype(np.float32)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            a = keras.Model(model.input, layer.input)(x[:32], training=False).numpy()
            axes = tuple(range(a.ndim - 1))
            gamma, beta, _, _ = layer.get_weights()
            layer.set_weights([gamma, beta, a.mean(axis=axes), a.var(axis=axes)])
    path.write_bytes(to_int8(model, x))


def tables(path: Path) -> dict[str, tuple[int, int]]:
    """kernel -> (output channels, bytes of its per-channel tables: all constants but the
    weights) over the model's fast layers."""
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for layer in compile_model(path, weights="dense").program.layers:
        if layer.kernel in TABLE_KERNELS:
            p = layer.params
            acc[layer.kernel][0] += getattr(p, "out_c", None) or p.out_n
            acc[layer.kernel][1] += sum(c.nbytes for c in layer.consts if c.name != p.weights)
    return {k: (v[0], v[1]) for k, v in acc.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--board", default="mps2-an386")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = a.model or Path(d) / "mobilenet_v2_035_96.tflite"
        if not path.exists():
            print(f"building {path.name} (TensorFlow, about 20 s)", flush=True)
            make_mobilenet_v2(path)
        print(f"{'kernel':<30} {'channels':>8} {'table bytes':>12} {'B/channel':>10}")
        total_c = total_b = 0
        for kernel, (channels, nbytes) in sorted(tables(path).items()):
            total_c, total_b = total_c + channels, total_b + nbytes
            print(f"{kernel:<30} {channels:>8,} {nbytes:>12,} {nbytes / channels:>10.1f}")
        print(f"{'all':<30} {total_c:>8,} {total_b:>12,} {total_b / total_c:>10.1f}"
              f"   (before {BEFORE['per_channel']}, goal <= {GOAL_PER_CHANNEL})")
        r = measure(path, a.board)
    if "error" in r:
        sys.exit(f"{a.board}: {r['error']}")
    ratio = r["instructions"] / BEFORE["instructions"]
    print(f"{a.board}: {r['instructions'] / 1e6:.3f} M instructions (before "
          f"{BEFORE['instructions'] / 1e6:.3f} M, x{ratio:.4f}, goal <= x{GOAL_INSTR}), flash "
          f"{r['flash']:,} B (before {BEFORE['flash']:,}), bit-exact "
          f"{'yes' if r['bit_exact'] else 'NO'}")


if __name__ == "__main__":
    main()
