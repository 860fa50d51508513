"""Lower the graph IR to kernel calls: one Layer per kernel, with every constant baked.

Contract: `lower(graph)` returns a Program whose layers run in order; each names its C
kernel, its parameter struct as plain data, the constant arrays it owns, the activation
tensors it reads and writes, and its MACs. Aliasing ops (RESHAPE, SQUEEZE, EXPAND_DIMS)
become layers with `alias_of` set and no kernel. All arithmetic that TFLite Micro does in
Prepare is done here (quant.py), so the device only runs Eval.
"""
from __future__ import annotations

import numpy as np

from . import quant
from .errors import ModelError
from .ir import Graph, Op
from .program import Const, Layer, LowerContext, Program
from . import lower_elementwise as ew
from .lower_fast import ConvFast, conv_fast, depthwise_fast, fully_connected_fast

ALIAS_OPS = {"RESHAPE", "SQUEEZE", "EXPAND_DIMS"}
SUPPORTED_OPS = {
    "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D",
    "ADD", "MUL", "SOFTMAX", "MEAN", "PAD", "PADV2", "CONCATENATION", "QUANTIZE",
    "LOGISTIC", "RELU", "RELU6", "SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND",
} | ALIAS_OPS
# Inputs that are shape/axis/padding descriptors, not data: int32/int64 constants allowed.
_DESCRIPTOR_INPUTS = {"RESHAPE": {1}, "MEAN": {1}, "PAD": {1}, "PADV2": {1},
                      "SPACE_TO_BATCH_ND": {1, 2}, "BATCH_TO_SPACE_ND": {1, 2},
                      "EXPAND_DIMS": {1}}


def validate(g: Graph, where: str = "model") -> None:
    """Raise ModelError unless every op has a kernel and every activation is int8."""
    unsupported = [f"layer {op.index} {op.kind}" for op in g.ops if op.kind not in SUPPORTED_OPS]
    if unsupported:
        raise ModelError(f"{where}: unsupported op(s): {', '.join(unsupported)}; tinydeploy "
                         f"supports {', '.join(sorted(SUPPORTED_OPS))}")
    for op in g.ops:
        skip = _DESCRIPTOR_INPUTS.get(op.kind, set())
        for pos, ti in enumerate(op.inputs + op.outputs):
            if ti < 0 or (pos < len(op.inputs) and pos in skip):
                continue
            t = g.t(ti)
            if t.dtype == "int8" or (t.is_const and t.dtype == "int32"):
                continue
            if t.dtype in ("float32", "float16"):
                hybrid = any(g.t(x).dtype == "int8" and g.t(x).is_const for x in op.inputs if x >= 0)
                kind = "hybrid (dynamic-range) quantized" if hybrid else "not fully int8"
                raise ModelError(
                    f"{where}: model is {kind}: tensor '{t.name}' of layer {op.index} "
                    f"{op.kind} is {t.dtype}; convert with full-integer quantization and int8 "
                    "input/output (`tinydeploy convert` does this)")
            raise ModelError(f"{where}: tensor '{t.name}' of layer {op.index} {op.kind} is "
                             f"{t.dtype}; tinydeploy supports int8 activations only")
    for ti in g.inputs + g.outputs:
        if g.t(ti).dtype != "int8":
            raise ModelError(f"{where}: model input/output '{g.t(ti).name}' is "
                             f"{g.t(ti).dtype}; convert with int8 input and output")
    for op in g.ops:
        for ti in op.inputs + op.outputs:
            if ti >= 0 and not g.t(ti).is_const and g.t(ti).quant is None:
                raise ModelError(f"{where}: tensor '{g.t(ti).name}' of layer {op.index} has no "
                                 "quantization parameters; the model is not fully int8")


def _conv_padding(padding: str, stride: int, dil: int, in_size: int, k: int, out_size: int) -> int:
    """ComputePaddingWithOffset: the leading (top/left) padding."""
    eff = (k - 1) * dil + 1
    total = max((out_size - 1) * stride + eff - in_size, 0)
    return total // 2


# --- convolutions, fully connected, pooling --------------------------------------------
def conv(low: LowerContext, op: Op) -> Layer:
    g = low.g
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    b = g.t(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    o = op.options
    depthwise = op.kind == "DEPTHWISE_CONV_2D"
    # A folded Conv1D carries its 4-D views; the tensors themselves are 3-D.
    n, ih, iw, ic = o.get("in_shape", x.shape)
    _, oh, ow, oc = o.get("out_shape", y.shape)
    if depthwise:
        _, kh, kw, woc = w.shape
        filter_in_c, depth_mult = 1, oc // ic
    else:
        woc, kh, kw, filter_in_c = w.shape
        depth_mult = 1
        if ic % filter_in_c or oc % (ic // filter_in_c):
            raise ModelError(f"layer {op.index} CONV_2D: input depth {ic} is not a multiple "
                             f"of the filter depth {filter_in_c}")
    if woc != oc:
        raise ModelError(f"layer {op.index} {op.kind}: weights have {woc} output channels, "
                         f"output has {oc}")
    if np.any(w.quant.zero_point != 0):
        raise ModelError(f"layer {op.index} {op.kind}: weights must be symmetric (zero "
                         "point 0) as TFLite's int8 spec requires")
    sh, sw, dh, dw = o["stride_h"], o["stride_w"], o["dilation_h"], o["dilation_w"]
    if "explicit_pad" in o:
        ph, pw = o["explicit_pad"]
    else:
        ph = _conv_padding(o["padding"], sh, dh, ih, kh, oh)
        pw = _conv_padding(o["padding"], sw, dw, iw, kw, ow)
    mult, shift = quant.per_channel_multipliers(x.scale, w.quant.scale, y.scale, oc)
    consts: list[Const] = []
    act_min, act_max = low.act(op, y)
    params = dict(batches=n, in_h=ih, in_w=iw, in_c=ic, out_h=oh, out_w=ow, out_c=oc,
                  k_h=kh, k_w=kw, stride_h=sh, stride_w=sw, dil_h=dh, dil_w=dw,
                  pad_h=ph, pad_w=pw, filter_in_c=filter_in_c, depth_mult=depth_mult,
                  in_offset=-x.zero_point, out_offset=y.zero_point,
                  act_min=act_min, act_max=act_max,
                  weights=low.const(consts, op, "w", "int8_t", w.data.astype(np.int8)),
                  bias=low.const(consts, op, "b", "int32_t", b.data.astype(np.int32))
                  if b is not None else None,
                  mult=low.const(consts, op, "mult", "int32_t", mult),
                  shift=low.const(consts, op, "shift", "int32_t", shift),
                  acc0=None, rq=None, scratch=None)
    macs = n * oh * ow * oc * kh * kw * filter_in_c
    kernel = "td_depthwise_conv2d_s8" if depthwise else "td_conv2d_s8"
    layer = Layer(op.index, op.kind, kernel, "td_conv_params_t", params,
                  [("t", op.inputs[0])], [op.inputs[0]], op.outputs[0], consts, macs,
                  w.nbytes + (b.nbytes if b is not None else 0))
    fast = ConvFast(low, op, layer, w.data.astype(np.int8),
                    b.data.astype(np.int32) if b is not None else None, mult, shift)
    (depthwise_fast if depthwise else conv_fast)(fast)
    return layer

def fully_connected(low: LowerContext, op: Op) -> Layer:
    g = low.g
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    b = g.t(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    if op.options.get("weights_format", 0) != 0:
        raise ModelError(f"layer {op.index} FULLY_CONNECTED: shuffled weights format is "
                         "not supported; convert without it")
    if not w.is_const:
        raise ModelError(f"layer {op.index} FULLY_CONNECTED: weights are not constant "
                         "(a matmul of two activations) and are not supported")
    out_n, depth = w.shape
    batches = x.size // depth
    per_channel = w.quant.per_channel
    if per_channel:
        mult, shift = quant.per_channel_multipliers(x.scale, w.quant.scale, y.scale, out_n)
    else:
        m, s = quant.quantize_multiplier(float(x.scale) * float(w.quant.scale[0]) / float(y.scale))
        mult, shift = [m], [s]
    consts: list[Const] = []
    act_min, act_max = low.act(op, y)
    params = dict(batches=batches, in_depth=depth, out_n=out_n, in_offset=-x.zero_point,
                  w_offset=-int(w.quant.zero_point[0]), out_offset=y.zero_point,
                  act_min=act_min, act_max=act_max, per_channel=int(per_channel),
                  weights=low.const(consts, op, "w", "int8_t", w.data.astype(np.int8)),
                  bias=low.const(consts, op, "b", "int32_t", b.data.astype(np.int32))
                  if b is not None else None,
                  mult=low.const(consts, op, "mult", "int32_t", mult),
                  shift=low.const(consts, op, "shift", "int32_t", shift),
                  acc0=None, rq=None)
    layer = Layer(op.index, op.kind, "td_fully_connected_s8", "td_fc_params_t", params,
                  [("t", op.inputs[0])], [op.inputs[0]], op.outputs[0], consts,
                  batches * out_n * depth, w.nbytes + (b.nbytes if b is not None else 0))
    fully_connected_fast(ConvFast(low, op, layer, w.data.astype(np.int8),
                                  b.data.astype(np.int32) if b is not None else None,
                                  mult, shift))
    return layer

def pool(low: LowerContext, op: Op) -> Layer:
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    o = op.options
    n, ih, iw, c = x.shape
    _, oh, ow, _ = y.shape
    act_min, act_max = low.act(op, y)
    params = dict(batches=n, in_h=ih, in_w=iw, c=c, out_h=oh, out_w=ow,
                  k_h=o["filter_h"], k_w=o["filter_w"], stride_h=o["stride_h"],
                  stride_w=o["stride_w"],
                  pad_h=_conv_padding(o["padding"], o["stride_h"], 1, ih, o["filter_h"], oh),
                  pad_w=_conv_padding(o["padding"], o["stride_w"], 1, iw, o["filter_w"], ow),
                  act_min=act_min, act_max=act_max)
    kernel = "td_avg_pool_s8" if op.kind == "AVERAGE_POOL_2D" else "td_max_pool_s8"
    return Layer(op.index, op.kind, kernel, "td_pool_params_t", params,
                 [("t", op.inputs[0])], [op.inputs[0]], op.outputs[0])


_DISPATCH = {
    "CONV_2D": conv, "DEPTHWISE_CONV_2D": conv, "FULLY_CONNECTED": fully_connected,
    "AVERAGE_POOL_2D": pool, "MAX_POOL_2D": pool, "ADD": ew.binary, "MUL": ew.binary,
    "SOFTMAX": ew.softmax, "LOGISTIC": ew.logistic, "MEAN": ew.mean, "PAD": ew.pad,
    "PADV2": ew.pad, "CONCATENATION": ew.concat, "QUANTIZE": ew.requantize,
    "RELU": ew.requantize, "RELU6": ew.requantize,
}


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
    consts = [g.t(s2b.inputs[1]).data, g.t(s2b.inputs[2]).data,
              g.t(b2s.inputs[1]).data, g.t(b2s.inputs[2]).data]
    if any(c is None for c in consts):
        return None
    block, pads, bblock, crops = consts
    block, bblock = [int(v) for v in block.reshape(-1)], [int(v) for v in bblock.reshape(-1)]
    pads, crops = pads.reshape(-1, 2).astype(int), crops.reshape(-1, 2).astype(int)
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


def lower(g: Graph) -> Program:
    """Lower a validated Graph (see module docstring)."""
    fold_dilated_convs(g)
    low = LowerContext(g)
    layers = []
    for op in g.ops:
        if op.kind in ALIAS_OPS:
            src = g.t(op.inputs[0])
            if src.is_const:
                g.t(op.outputs[0]).data = src.data.reshape(g.t(op.outputs[0]).shape)
                continue
            layers.append(Layer(op.index, op.kind, None, None, {}, [], [op.inputs[0]],
                                op.outputs[0], alias_of=op.inputs[0]))
            continue
        layer = _DISPATCH[op.kind](low, op)
        layer.fused = list(op.options.get("fused_ops", []))
        layers.append(layer)
    return Program(g, layers)
