"""Keras dilated convolutions: SPACE_TO_BATCH_ND -> CONV -> BATCH_TO_SPACE_ND folded into one
dilated CONV_2D / DEPTHWISE_CONV_2D op before lowering (conv.py then lowers it)."""
from __future__ import annotations

from ...errors import ModelError
from .. import verify_ops as rules
from ..ir import Graph, Op
from ..opspec import OpSpec
from .alias import ALIAS_OPS


def fold_dilated_convs(g: Graph) -> None:
    """Replace SPACE_TO_BATCH_ND -> [aliases] -> CONV -> [aliases] -> BATCH_TO_SPACE_ND by one
    dilated convolution (the aliases are the EXPAND_DIMS/RESHAPE of a Keras Conv1D).

    The reference pads SPACE_TO_BATCH_ND with the zero point, which contributes nothing to
    the accumulator; a dilated convolution that skips out-of-bounds taps is therefore exact
    against the TFLite reference kernels (TFLite Micro itself differs here; see docs).
    """
    removed: set[int] = set()
    replacement: dict[int, Op] = {}
    for op in g.ops:
        if op.kind == "SPACE_TO_BATCH_ND":
            chain = _dilated_chain(g, op)
            if chain is None:
                raise ModelError(
                    f"layer {op.index} SPACE_TO_BATCH_ND: supported only as part of a Keras "
                    "dilated convolution (SPACE_TO_BATCH_ND -> CONV_2D/DEPTHWISE_CONV_2D -> "
                    "BATCH_TO_SPACE_ND, stride 1, batch 1)")
            folded, members = chain
            replacement[op.index] = folded
            removed.update(m.index for m in members if m is not op)
    for op in g.ops:
        if op.kind == "BATCH_TO_SPACE_ND" and op.index not in removed:
            raise ModelError(f"layer {op.index} BATCH_TO_SPACE_ND: supported only as part of "
                             "a Keras dilated convolution pattern")
    g.ops = [replacement.get(op.index, op) for op in g.ops if op.index not in removed]


def _follow_aliases(g: Graph, tensor: int, members: list[Op]) -> Op | None:
    """The single consumer of `tensor` after skipping single-consumer alias ops."""
    while True:
        users = g.consumers(tensor)
        if len(users) != 1 or tensor in g.outputs:
            return None
        if users[0].kind not in ALIAS_OPS:
            return users[0]
        members.append(users[0])
        tensor = users[0].outputs[0]


def _dilated_chain(g: Graph, s2b: Op) -> tuple[Op, list[Op]] | None:
    members = [s2b]
    conv = _follow_aliases(g, s2b.outputs[0], members)
    if conv is None or conv.kind not in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        return None
    members.append(conv)
    b2s = _follow_aliases(g, conv.outputs[0], members)
    if b2s is None or b2s.kind != "BATCH_TO_SPACE_ND":
        return None
    members.append(b2s)
    descriptors = [g.t(s2b.inputs[1]), g.t(s2b.inputs[2]), g.t(b2s.inputs[1]), g.t(b2s.inputs[2])]
    if not all(t.is_const for t in descriptors):
        return None
    block_d, pads_d, bblock_d, crops_d = (t.const_data for t in descriptors)
    block, bblock = [int(v) for v in block_d.reshape(-1)], [int(v) for v in bblock_d.reshape(-1)]
    pads, crops = pads_d.reshape(-1, 2).astype(int), crops_d.reshape(-1, 2).astype(int)
    x, y = g.t(s2b.inputs[0]), g.t(b2s.outputs[0])
    o = conv.options
    if (block != bblock or x.shape[0] != 1 or o["stride_h"] != 1 or o["stride_w"] != 1
            or o["padding"] != "VALID" or o["dilation_h"] != 1 or o["dilation_w"] != 1):
        return None
    opts = dict(o, fused_ops=[m.index for m in members[1:]])
    if len(block) == 2 and len(x.shape) == 4:
        opts.update(dilation_h=block[0], dilation_w=block[1],
                    explicit_pad=(pads[0][0] - crops[0][0], pads[1][0] - crops[1][0]))
    elif len(block) == 1 and len(x.shape) == 3:
        # Conv1D: the conv sees [N, 1, T, C] or [N, T, 1, C]; time is the non-unit axis.
        cin = g.t(conv.inputs[0]).shape
        t_axis = 2 if cin[1] == 1 and cin[2] != 1 else 1
        pad = pads[0][0] - crops[0][0]
        view = (lambda s: (s[0], 1, s[1], s[2])) if t_axis == 2 else (lambda s: (s[0], s[1], 1, s[2]))
        opts.update(dilation_h=block[0] if t_axis == 1 else 1,
                    dilation_w=block[0] if t_axis == 2 else 1,
                    explicit_pad=(pad, 0) if t_axis == 1 else (0, pad),
                    in_shape=view(x.shape), out_shape=view(y.shape))
    else:
        return None
    folded = Op(s2b.index, conv.kind, [s2b.inputs[0]] + conv.inputs[1:], list(b2s.outputs), opts)
    return folded, members


# Folded into the convolution they surround (no lowering of their own).
SPECS = (
    OpSpec("SPACE_TO_BATCH_ND", rules.space_to_batch_nd, inputs=3, descriptor_inputs=(1, 2)),
    OpSpec("BATCH_TO_SPACE_ND", rules.batch_to_space_nd, inputs=3, descriptor_inputs=(1, 2)),
)
