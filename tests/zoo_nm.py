"""Zoo models of the 2:4 weight encoding (issue 19, N:M pruning): seeded Keras models whose
Dense / Conv2D kernels are then pruned 2:4 along the reduction axis (in every aligned
group of four consecutive inputs of an output channel, [kh][kw][ic] flattened for a conv,
the two smallest-magnitude weights set to exactly 0.0, which int8 quantization keeps at
0). zoo.py takes SPECS into its registry; entries are (builder(x, L), input shape, ops,
note, per_tensor_dense, edit): edit(model) runs after the pruning (edge cases).
"""
from __future__ import annotations

import numpy as np

from zoo_sparse import conv1x1_two, conv3x3_same, fc_two


def prune_groups(w: np.ndarray, keep: int = 2) -> np.ndarray:
    """Kernel [..., in, out] (reduction axes first) with all but the `keep` largest-
    magnitude weights of every aligned group of four reduction elements set to 0.0 (a
    last partial group as if zero-padded)."""
    shape = w.shape
    w2 = w.reshape(-1, shape[-1]).T                     # [out][reduction]
    k = w2.shape[1]
    padded = np.zeros((w2.shape[0], (k + 3) // 4 * 4), np.float32)
    padded[:, :k] = w2
    groups = padded.reshape(w2.shape[0], -1, 4)
    drop = np.argsort(np.abs(groups), axis=2, kind="stable")[:, :, :4 - keep]
    np.put_along_axis(groups, drop, 0.0, axis=2)
    return groups.reshape(w2.shape[0], -1)[:, :k].T.reshape(shape).astype(np.float32)


def prune(model) -> None:
    """Every Dense / Conv2D kernel pruned 2:4 along its reduction axis."""
    for layer in model.layers:
        ws = layer.get_weights()
        if not ws or ws[0].ndim < 2:
            continue
        ws[0] = prune_groups(ws[0])
        layer.set_weights(ws)


def fc_edges(model) -> None:
    """First Dense layer: unit 3 all zero, unit 5 a single non-zero, unit 6 one non-zero
    per group (groups of 0 and 1 kept values)."""
    layer = next(x for x in model.layers if x.get_weights() and x.get_weights()[0].ndim == 2)
    ws = layer.get_weights()
    ws[0][:, 3] = 0.0
    ws[0][:, 5] = 0.0
    ws[0][-2, 5] = 0.9
    ws[0][:, 6] = prune_groups(ws[0][:, 6:7], keep=1)[:, 0]
    layer.set_weights(ws)


def conv_edges(model) -> None:
    """First Conv2D: channel 1 all zero, channel 2 one non-zero per group."""
    layer = next(x for x in model.layers if x.get_weights() and x.get_weights()[0].ndim == 4)
    ws = layer.get_weights()
    ws[0][..., 1] = 0.0
    ws[0][..., 2:3] = prune_groups(ws[0][..., 2:3], keep=1)
    layer.set_weights(ws)


def fc_3d_two(x, L):
    y = L.Dense(12, activation="relu")(x)
    return L.Dense(3)(y)


SPECS = {
    "fc_nm24": (fc_two, (37,), {"FULLY_CONNECTED"},
                "2:4 pruned FC (depth 37: a partial pair of groups; 24 rows in blocks of "
                "four, then 10 = 2 blocks + 2 rows): an all-zero unit, a unit with one "
                "non-zero, a unit with one per group", False, fc_edges),
    "fc_nm24_per_tensor": (fc_two, (37,), {"FULLY_CONNECTED"},
                           "2:4 pruned FC, per-tensor weights, the same edge units", True,
                           fc_edges),
    "fc_nm24_3d": (fc_3d_two, (3, 20), {"FULLY_CONNECTED"},
                   "2:4 pruned FC on [1,3,20] (three batches, the table built per batch; "
                   "depth 20: a half pair), then 3 rows (no block: no table)", False, None),
    "conv1x1_nm24": (conv1x1_two, (6, 5, 16), {"CONV_2D"},
                     "2:4 pruned 1x1 convs (depths 16 and 12: a partial pair), 30 pixels "
                     "(two left over after the fours), an all-zero channel", False,
                     conv_edges),
    "conv3x3_nm24_c5": (conv3x3_same, (7, 6, 5), {"CONV_2D"},
                        "2:4 pruned 3x3 SAME convs: odd input depth 5 (groups across taps, "
                        "staging), then depth 8 with stride 2 (padded taps)", False,
                        conv_edges),
}
