"""Zoo models of the sparse weight encodings (issue 19, unstructured pruning): seeded Keras
models whose kernels are then pruned (the smallest-magnitude 75% of each layer's weights
set to exactly 0.0, which int8 quantization keeps at 0). zoo.py takes SPECS into its
registry; entries are (builder(x, L), input shape, ops, note, per_tensor_dense, edit):
edit(model) runs after the pruning (edge cases: an all-zero channel, one non-zero; the
remaining weights clustered, for the sparse-palette encoding).
"""
from __future__ import annotations

import numpy as np

from zoo_palette import cluster_values

FRACTION = 0.75


def prune(model, fraction: float = FRACTION) -> None:
    """Per layer, the smallest-magnitude `fraction` of the kernel set to 0.0."""
    for layer in model.layers:
        ws = layer.get_weights()
        if not ws or ws[0].ndim < 2:
            continue
        w = ws[0]
        cut = np.quantile(np.abs(w), fraction)
        ws[0] = np.where(np.abs(w) <= cut, 0.0, w).astype(np.float32)
        layer.set_weights(ws)


def fc_edges(model) -> None:
    """First Dense layer: unit 3 all zero, unit 5 a single non-zero weight (a far column,
    so its row needs gap-bridging entries)."""
    layer = next(x for x in model.layers if x.get_weights() and x.get_weights()[0].ndim == 2)
    ws = layer.get_weights()
    ws[0][:, 3] = 0.0
    ws[0][:, 5] = 0.0
    ws[0][-2, 5] = 0.9
    layer.set_weights(ws)


def fc_dense_unit(model) -> None:
    """Unit 0 of the first Dense layer with every weight non-zero: over 510 entries in its
    row, so the blob needs 16-bit counts."""
    layer = next(x for x in model.layers if x.get_weights() and x.get_weights()[0].ndim == 2)
    ws = layer.get_weights()
    col = ws[0][:, 0]
    ws[0][:, 0] = np.where(np.abs(col) < 0.05, np.copysign(0.05, col), col)
    layer.set_weights(ws)


def cluster_kept(model, n: int = 8) -> None:
    """Every Dense / Conv2D kernel's non-zero weights clustered to n values (per layer, as
    tfmot's clustering after pruning), zeros kept; every output channel keeps one weight
    at the largest-magnitude value, so per-channel int8 scales agree and the channels
    share one value table (as in a pruned, clustered network whose largest weights
    survive the pruning)."""
    for layer in model.layers:
        if type(layer).__name__ not in ("Dense", "Conv2D"):
            continue
        ws = layer.get_weights()
        k = ws[0]
        kept = k != 0
        k[kept] = cluster_values(k[kept], n)
        cols = k.reshape(-1, k.shape[-1])
        top = cols.flat[np.abs(cols).argmax()]
        cols[np.abs(cols).argmax(axis=0), np.arange(cols.shape[1])] = top
        ws[0] = cols.reshape(k.shape)
        layer.set_weights(ws)


def fc_edges_clustered(model) -> None:
    fc_edges(model)
    cluster_kept(model)


def fc_wide(x, L):
    return L.Dense(24)(L.Dense(48, activation="relu")(x))


def conv1x1_wide(x, L):
    return L.Conv2D(16, 1)(L.Conv2D(24, 1, activation="relu")(x))


def fc_one(x, L):
    return L.Dense(8)(x)


def fc_two(x, L):
    y = L.Dense(24, activation="relu")(x)
    return L.Dense(10)(y)


def conv1x1_two(x, L):
    y = L.Conv2D(12, 1, activation="relu")(x)
    return L.Conv2D(7, 1)(y)


def conv3x3_same(x, L):
    y = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    return L.Conv2D(6, 3, strides=2, padding="same")(y)


SPECS = {
    "fc_sparse75": (fc_two, (37,), {"FULLY_CONNECTED"},
                    "75% pruned FC (depth 37): an all-zero unit and a unit with one far "
                    "non-zero", False, fc_edges),
    "fc_sparse75_per_tensor": (fc_two, (37,), {"FULLY_CONNECTED"},
                               "75% pruned FC, per-tensor weights, the same edge units",
                               True, fc_edges),
    "fc_sparse75_wide": (fc_one, (600,), {"FULLY_CONNECTED"},
                         "75% pruned FC of depth 600 with one unpruned unit (16-bit counts)",
                         False, fc_dense_unit),
    "conv1x1_sparse75": (conv1x1_two, (6, 5, 16), {"CONV_2D"},
                         "75% pruned 1x1 convs, odd pixel count and output channels", False,
                         None),
    "conv3x3_sparse75_c5": (conv3x3_same, (7, 6, 5), {"CONV_2D"},
                            "75% pruned 3x3 SAME convs: odd input depth 5 (staging), then "
                            "depth 8 with stride 2 (padded taps)", False, None),
    "fc_sparse75_c8": (fc_wide, (64,), {"FULLY_CONNECTED"},
                       "75% pruned FC, per-tensor, kept weights clustered to 8 values; an "
                       "all-zero unit and one with a far non-zero", True, fc_edges_clustered),
    "conv1x1_sparse75_c8": (conv1x1_wide, (6, 5, 32), {"CONV_2D"},
                            "75% pruned 1x1 convs (odd pixel count), kept weights clustered "
                            "to 8 values", False, cluster_kept),
    "conv3x3_sparse75_c8": (conv3x3_same, (7, 6, 5), {"CONV_2D"},
                            "75% pruned 3x3 SAME convs (depth 5, then 8 with stride 2), kept "
                            "weights clustered to 8 values", False, cluster_kept),
}
