"""Zoo models of the palette weight encoding (issue 19, clustered models): Keras models
whose Dense / 1x1 Conv2D kernels are clustered after the seeded initialisation, so the
int8 weights have at most N values per output channel. zoo.py takes SPECS into its
registry: name -> (builder(x, L), input shape, ops, note, per_tensor_dense, cluster),
where cluster(model) rewrites the kernels in place.

Converter facts (TF 2.21): symmetric int8 quantization (per channel, or per tensor for
Dense with per_tensor_dense) maps distinct float values to at most as many int8 values;
clustering a whole kernel to N values (tfmot's way) gives each channel its subset of the
N values under its own scale, so channels of the same largest value share one table.
"""
from __future__ import annotations

import numpy as np


def cluster_values(w: np.ndarray, n: int, iters: int = 12) -> np.ndarray:
    """w with every value replaced by the nearest of n centroids (1-D k-means from
    evenly spaced quantiles): at most n distinct values."""
    flat = w.reshape(-1).astype(np.float64)
    cent = np.quantile(flat, (np.arange(n) + 0.5) / n)
    for _ in range(iters):
        lab = np.abs(flat[:, None] - cent[None, :]).argmin(axis=1)
        for k in range(n):
            if np.any(lab == k):
                cent[k] = flat[lab == k].mean()
    lab = np.abs(flat[:, None] - cent[None, :]).argmin(axis=1)
    return cent[lab].reshape(w.shape).astype(np.float32)


def cluster_model(model, n: int, per_channel: bool = False, few: int | None = None) -> None:
    """Cluster every Dense / Conv2D kernel of `model` to n values, per layer (tfmot's way)
    or per output channel; with `few`, output channel 0 of each gets only `few` values."""
    for layer in model.layers:
        if type(layer).__name__ not in ("Dense", "Conv2D"):
            continue
        ws = layer.get_weights()
        k = ws[0]
        cols = k.reshape(-1, k.shape[-1])
        if per_channel:
            cols = np.stack([cluster_values(cols[:, c], n) for c in range(cols.shape[1])], 1)
        else:
            cols = cluster_values(cols, n)
        if few is not None:
            cols[:, 0] = cluster_values(cols[:, 0], few)
        ws[0] = cols.reshape(k.shape)
        layer.set_weights(ws)


def fc_two(x, L):
    return L.Dense(10)(L.Dense(80, activation="relu")(x))


def fc_seq(x, L):
    return L.Dense(40)(x)


def conv1x1_two(x, L):
    return L.Conv2D(9, 1)(L.Conv2D(19, 1, activation="relu")(x))


def conv1x1_s2(x, L):
    return L.Conv2D(12, 1, strides=2, activation="relu6")(x)


SPECS = {
    "pal_fc16_odd": (fc_two, (61,), {"FULLY_CONNECTED"},
                     "Dense 61 (odd depth) -> 80 -> 10 clustered to 16 values per layer; "
                     "channel 0 with 3 values (fewer than the palette)", False,
                     lambda m: cluster_model(m, 16, few=3)),
    "pal_fc4_per_tensor": (fc_two, (50,), {"FULLY_CONNECTED"},
                           "Dense 50 -> 80 -> 10, 4 values per layer, per-tensor weights: "
                           "2-bit indices, one table", True, lambda m: cluster_model(m, 4)),
    "pal_fc3d_4": (fc_seq, (6, 50), {"FULLY_CONNECTED"},
                   "Dense on [1,6,50] (6 batches of one FC), 4 values per layer: pair "
                   "tables built once for all batches", False, lambda m: cluster_model(m, 4)),
    "pal_conv1x1_16": (conv1x1_two, (4, 5, 64), {"CONV_2D"},
                       "1x1 64 -> 19 (two tiles, odd last) -> 9 (odd input depth), 16 "
                       "values per channel (k-means per channel)", False,
                       lambda m: cluster_model(m, 16, per_channel=True)),
    "pal_conv1x1_4_s2": (conv1x1_s2, (7, 5, 48), {"CONV_2D"},
                         "1x1 stride 2, 48 -> 12, 4 values per channel: 2-bit indices",
                         False, lambda m: cluster_model(m, 4, per_channel=True)),
}
