"""Zoo models of the sparse weight encoding (issue 19, unstructured pruning): seeded Keras
models whose kernels are then pruned (the smallest-magnitude 75% of each layer's weights
set to exactly 0.0, which int8 quantization keeps at 0). zoo.py takes SPECS into its
registry; entries are (builder(x, L), input shape, ops, note, per_tensor_dense, edit):
edit(model) runs after the pruning (edge cases: an all-zero channel, one non-zero).
"""
from __future__ import annotations

import numpy as np

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
}
