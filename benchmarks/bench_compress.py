"""Weight encodings on the device (issue 19): flash of the weights and instructions per
inference of compressed models vs the same .tflite stored dense, under QEMU.

Usage: python benchmarks/bench_compress.py [--boards mps2-an386,mps2-an385] [--epochs 3]
                                           [--only sparse|palette|nm|both]

Models are trained here, seeded, on synthetic data of their own: an FC autoencoder
320-128-128-16-128-128-320 (like MLPerf Tiny's ad) and a DS-CNN (conv 10x4 stride 2 to 64
channels, three depthwise 3x3 + pointwise 64 blocks, average pool, FC 12) on 49x10x1
inputs. Variants: magnitude pruning of every kernel (smallest 50/75/90% per layer set to
0.0; no fine-tuning: sizes and counts do not depend on it) for the sparse encoding; every
Dense / Conv2D kernel clustered to 16 and to 4 values per layer (what tfmot's clustering,
and so `optimize --cluster N`, gives) and to 16 values per output channel for the palette;
75% pruning + 16 clusters; and 2:4 pruning of every Dense / Conv2D kernel (in each aligned
group of four along the reduction axis the two smallest-magnitude weights set to 0.0;
depthwise kernels untouched) for the nm encoding. Each is converted to int8 and built with
the default policy ("auto") and with "dense". Weights are `size.flash.weights` of the
build (per-channel tables included), instructions one inference's window counter (QEMU
-icount); every output is checked bit-exact against TFLite Micro.

Beside them, computed (not run): what TFLite Micro's LUT compression would store for the
same weights (tflm_lut_bytes: per tensor the fewest index bits, 1-7, that hold every
channel's distinct values, packed, plus a value table per channel, where that is smaller
than int8; and the int32 biases),
and the RAM it decodes one layer into on every invocation (the largest layer's int8
weights). Pruned variants gain nothing there: zeros are one more value.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tinydeploy.compiler.compiled import compile_model  # noqa: E402
from tinydeploy.compiler.reader import load_model  # noqa: E402
from tinydeploy.deploy.boards import load_board  # noqa: E402
from tinydeploy.deploy.build import build_firmware  # noqa: E402
from tinydeploy.deploy.cost_model import default_cost_model, estimate  # noqa: E402
from tinydeploy.deploy.qemu import start_qemu  # noqa: E402
from tinydeploy.measure.dut import Dut  # noqa: E402
from tinydeploy.resources import data_dir  # noqa: E402
from zoo_nm import prune_groups  # noqa: E402
from zoo_palette import cluster_model  # noqa: E402

from oracle import run_tflm  # noqa: E402

# issue 19's done-when (mps2-an386, ratios to dense): (weights, instructions, strictly below)
TARGETS = {("fc_autoencoder", "75% pruned"): (0.50, 1.0, True),
           ("ds_cnn", "75% pruned"): (0.60, 1.05, False),
           ("fc_autoencoder", "16 clusters"): (0.65, 2.5, False),
           ("ds_cnn", "16 clusters"): (0.85, 1.25, False),
           ("fc_autoencoder", "75% pruned + 16 clusters"): (0.42, 2.5, False),
           ("ds_cnn", "75% pruned + 16 clusters"): (0.55, 1.25, False),
           ("fc_autoencoder", "2:4"): (0.65, 0.80, False),
           ("ds_cnn", "2:4"): (0.72, 0.85, False)}


def _keras():
    import tf_keras
    return tf_keras


def fc_autoencoder(epochs: int):
    """320-128-128-16-128-128-320 (BN + ReLU between), trained to reconstruct signals
    that lie near a 12-dimensional subspace."""
    keras = _keras()
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((4096, 12)) @ rng.standard_normal((12, 320)) * 0.3
         + 0.1 * rng.standard_normal((4096, 320))).astype(np.float32)
    inp = keras.Input((320,), batch_size=1)
    t = inp
    for units in (128, 128, 16, 128, 128):
        t = keras.layers.ReLU()(keras.layers.BatchNormalization()(keras.layers.Dense(units)(t)))
    model = keras.Model(inp, keras.layers.Dense(320)(t))
    model.compile("adam", "mse")
    model.fit(x, x, epochs=epochs, batch_size=64, verbose=0)
    return model, x


def ds_cnn(epochs: int):
    """DS-CNN on 49x10x1 'spectrograms': 12 classes, each a noisy class pattern."""
    keras = _keras()
    L = keras.layers
    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    protos = rng.standard_normal((12, 49, 10, 1))
    y = rng.integers(0, 12, 3072)
    x = (protos[y] + 0.8 * rng.standard_normal((3072, 49, 10, 1))).astype(np.float32)
    inp = keras.Input((49, 10, 1), batch_size=1)
    t = L.ReLU()(L.BatchNormalization()(L.Conv2D(64, (10, 4), strides=2, padding="same")(inp)))
    for _ in range(3):
        t = L.ReLU()(L.BatchNormalization()(L.DepthwiseConv2D(3, padding="same")(t)))
        t = L.ReLU()(L.BatchNormalization()(L.Conv2D(64, 1)(t)))
    t = L.Flatten()(L.AveragePooling2D((25, 5))(t))
    model = keras.Model(inp, L.Dense(12, activation="softmax")(t))
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    return model, x


def to_int8(model, data: np.ndarray) -> bytes:
    """Full-int8 conversion, calibrated on the model's own data."""
    import tensorflow as tf

    def rep():
        for i in range(0, 256, 2):
            yield [data[i:i + 1]]
    c = tf.lite.TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = rep
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    c.inference_input_type = c.inference_output_type = tf.int8
    return c.convert()


def measure(path: Path, weights: str, board: str, work: Path) -> dict:
    """Build `path` with weight policy `weights` for `board`; one inference in QEMU."""
    c = compile_model(path, weights=weights)
    r = build_firmware(c, board, work / f"{path.stem}-{weights}-{board}")
    g = c.graph
    x = np.random.default_rng(0).integers(-128, 128, (1,) + tuple(g.t(g.inputs[0]).shape[1:]),
                                          dtype=np.int16).astype(np.int8)
    with start_qemu(load_board(board), r["elf"]) as q:
        dut = Dut.open(q.url, timeout=60.0)
        try:
            dut.wait_ready(30.0)
            dut.load(x.tobytes())
            dut.infer(1, 0, timeout=300)
            instr = dut.timing()["window_counter"]
            out = np.frombuffer(dut.output(), np.int8)
            times = [row["time"] for row in dut.layers()]
        finally:
            dut.close()
    exact = np.array_equal(out, run_tflm(path, x).reshape(-1))
    calls = [layer for layer in c.program.layers if layer.kernel]
    kernels = sorted({layer.kernel for layer in calls if layer.encoding != "dense"})
    core = load_board(board).core
    est = ([e["instructions"] for e in estimate(c, default_cost_model(core))["per_layer"]]
           if (data_dir("boards") / "cost" / f"{core}.json").is_file() else [0.0] * len(calls))
    return dict(weights=r["size"]["flash"]["weights"], instructions=instr, exact=exact,
                encoded=kernels, layers=[(layer.kernel, layer.encoding, t, e)
                                         for layer, t, e in zip(calls, times, est)])


def tflm_lut_bytes(path: Path) -> tuple[int, int]:
    """(flash, decode RAM) of TFLite Micro's LUT compression of the model's FC / conv /
    depthwise weights (see the module docstring); biases stored as they are."""
    g = load_model(path)
    flash = ram = 0
    for op in g.ops:
        if op.kind not in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D"):
            continue
        w = g.t(op.inputs[1])
        axis = 3 if op.kind == "DEPTHWISE_CONV_2D" else 0
        chans = np.moveaxis(w.const_data, axis, 0).reshape(w.shape[axis], -1)
        values = max(np.unique(c).size for c in chans)
        bits = max(1, int(np.ceil(np.log2(values))))
        packed = (w.size * bits + 7) // 8 + chans.shape[0] * (1 << bits)
        flash += min(packed, w.size)       # a tensor LUTs do not shrink stays as it is
        ram = max(ram, w.size)
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            flash += g.t(op.inputs[2]).nbytes
    return flash, ram


def per_kernel(dense: dict, encoded: dict) -> dict[str, tuple[float, float, float, float]]:
    """Encoded kernel -> (its layers' instructions, the same layers' dense instructions, and
    the cost model's estimates of both)."""
    out: dict[str, list[float]] = {}
    for (_, _, td, ed), (kernel, enc, te, ee) in zip(dense["layers"], encoded["layers"]):
        if enc != "dense":
            acc = out.setdefault(kernel, [0.0, 0.0, 0.0, 0.0])
            for i, v in enumerate((te, td, ee, ed)):
                acc[i] += v
    return {k: (v[0], v[1], v[2], v[3]) for k, v in out.items()}


def prune(model, fraction: float) -> None:
    """Per layer, the smallest-magnitude `fraction` of every kernel set to 0.0."""
    for layer in model.layers:
        ws = layer.get_weights()
        if not ws or ws[0].ndim < 2:
            continue
        cut = np.quantile(np.abs(ws[0]), fraction)
        ws[0] = np.where(np.abs(ws[0]) <= cut, 0.0, ws[0]).astype(np.float32)
        layer.set_weights(ws)


def _sparse(model):
    return [(f"{int(f * 100)}% pruned", lambda m, f=f: prune(m, f)) for f in (0.5, 0.75, 0.9)]


def _palette(model):
    return [(f"{n} clusters" + (" per channel" if pc else ""),
             lambda m, n=n, pc=pc: cluster_model(m, n, per_channel=pc))
            for n, pc in ((16, False), (4, False), (16, True))]


def _both(model):
    def apply(m):
        cluster_model(m, 16, per_channel=False)
        prune(m, 0.75)              # the zeros stay one of the 16 values
    return [("75% pruned + 16 clusters", apply)]


def _nm(model):
    def apply(m):
        for layer in m.layers:
            ws = layer.get_weights()
            if type(layer).__name__ in ("Dense", "Conv2D"):
                ws[0] = prune_groups(ws[0])
                layer.set_weights(ws)
    return [("2:4", apply)]


VARIANTS = {"sparse": (_sparse,), "palette": (_palette,), "nm": (_nm,),
            "both": (_sparse, _palette, _both, _nm)}


def rows_for(models: dict, boards: list[str], work: Path, only: str) -> list[tuple]:
    """(model, variant, board, dense, encoded) per compressed model and board."""
    rows = []
    for mname, (model, data) in models.items():
        keep = [w.copy() for w in model.get_weights()]
        for variants in VARIANTS[only]:
            for k, (variant, apply) in enumerate(variants(model)):
                model.set_weights(keep)
                apply(model)
                path = work / f"{mname}_{variants.__name__.strip('_')}{k}.tflite"
                path.write_bytes(to_int8(model, data))
                lut = tflm_lut_bytes(path)
                for board in boards:
                    rows.append((mname, variant, board, measure(path, "dense", board, work),
                                 measure(path, "auto", board, work), lut))
        model.set_weights(keep)
    return rows


def print_table(rows: list[tuple]) -> None:
    print(f"{'model':<15} {'variant':<22} {'board':<11} {'weights dense':>13} "
          f"{'encoded':>8} {'ratio':>6} {'target':>7} {'instr dense':>12} {'encoded':>10} "
          f"{'ratio':>6} {'target':>7} exact  {'TFLM LUT (RAM)':>16}  kernels")
    for mname, variant, board, d, e, (lut, lut_ram) in rows:
        tw, ti, _ = TARGETS.get((mname, variant), (None, None, None)) \
            if board == "mps2-an386" else (None, None, None)
        rw, ri = e["weights"] / d["weights"], e["instructions"] / d["instructions"]
        print(f"{mname:<15} {variant:<22} {board:<11} {d['weights']:>13,} {e['weights']:>8,} "
              f"{rw:>6.3f} {'<=' + str(tw) if tw else '':>7} {d['instructions']:>12,} "
              f"{e['instructions']:>10,} {ri:>6.3f} {'<=' + str(ti) if ti else '':>7} "
              f"{'yes' if d['exact'] and e['exact'] else 'NO':<6} "
              f"{f'{lut:,} ({lut_ram:,})':>16}  {','.join(e['encoded'])}")
    print("\nper encoded kernel: its layers' instructions / the same layers dense (and the "
          "ratio the cost model estimates: what --max-slowdown goes by)")
    for mname, variant, board, d, e, _ in rows:
        for kernel, (te, td, ee, ed) in per_kernel(d, e).items():
            print(f"  {mname:<15} {variant:<22} {board:<11} {kernel:<32} {te:>11,.0f} / "
                  f"{td:>11,.0f} = {te / td:.3f}x"
                  + (f"  (estimated {ee / ed:.3f}x)" if ed else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boards", default="mps2-an386,mps2-an385")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--only", choices=list(VARIANTS), default="both")
    a = ap.parse_args()
    models = {"fc_autoencoder": fc_autoencoder(a.epochs), "ds_cnn": ds_cnn(a.epochs)}
    with tempfile.TemporaryDirectory(prefix="td-compress-") as d:
        print_table(rows_for(models, a.boards.split(","), Path(d), a.only))


if __name__ == "__main__":
    main()
