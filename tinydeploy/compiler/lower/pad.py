"""PAD and PADV2 -> td_pad_s8 (td_pad_params_t): up to 4-D, constant paddings, the zero
point (PAD) or the given constant (PADV2) as the fill value. MIRROR_PAD ->
td_mirror_pad_s8 (td_mirror_pad_params_t): per axis, the input index of each output
index as TFLite Micro's mirror_pad.cc computes it."""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import op_options as opts
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import MAX_DIMS, MirrorPadParams, PadParams
from ..program import Const, Layer, LowerContext


def pad(low: LowerContext, op: Op) -> Layer:
    g = low.g
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    pads_t = g.t(op.inputs[1])
    if pads_t.data is None:
        raise ModelError(f"layer {op.index} {op.kind}: paddings must be constant")
    pads = pads_t.data.reshape(-1, 2).astype(np.int64)
    if len(x.shape) > 4:
        raise ModelError(f"layer {op.index} {op.kind}: more than 4 dimensions")
    if x.scale != y.scale or x.zero_point != y.zero_point:
        raise ModelError(f"layer {op.index} {op.kind}: input and output quantization differ")
    in_dims, out_dims = list(x.shape), list(y.shape)
    before = [int(p[0]) for p in pads]
    value = y.zero_point
    if op.kind == "PADV2" and len(op.inputs) > 2 and op.inputs[2] >= 0:
        cv = g.t(op.inputs[2]).data
        if cv is None:
            raise ModelError(f"layer {op.index} PADV2: constant value must be constant")
        value = int(cv.reshape(-1)[0])
    if x.dtype == "int16":
        # the kernel moves bytes: an int16 element is two, its fill value must be one byte
        if value != 0:
            raise ModelError(f"layer {op.index} {op.kind}: not supported yet: an int16 fill "
                             f"value of {value} (the kernel fills bytes); pad with zero")
        while in_dims and in_dims[0] == 1 and out_dims[0] == 1:
            in_dims, out_dims, before = in_dims[1:], out_dims[1:], before[1:]
        in_dims, out_dims, before = in_dims + [2], out_dims + [2], before + [0]
        if len(in_dims) > 4:
            raise ModelError(f"layer {op.index} {op.kind}: more than 3 dimensions of int16")
    lead = 4 - len(in_dims)
    in_dims, out_dims, before = [1] * lead + in_dims, [1] * lead + out_dims, [0] * lead + before
    return low.unary(op, "td_pad_s8", PadParams(
        in_dims=in_dims, out_dims=out_dims, before=before, value=value))


def _mirror_index(o: int, left: int, size: int, offset: int) -> int:
    """TFLite Micro's GetInputDimension: the input index of output index `o` on one axis
    (offset 1: REFLECT, 0: SYMMETRIC)."""
    if o < left:
        first = left + offset - 1
        return first - min(o, first - offset)
    o -= left
    if o >= size:
        last = size - (1 + offset)
        return last - min(o - size, last)
    return o


def mirror_pad(low: LowerContext, op: Op) -> Layer:
    """MIRROR_PAD with constant paddings (int32 or int64, as TFLite Micro reads them)."""
    g = low.g
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    pads_t = g.t(op.inputs[1])
    if pads_t.data is None:
        raise ModelError(f"layer {op.index} MIRROR_PAD: paddings must be constant")
    if len(pads_t.shape) != 2:
        raise ModelError(f"layer {op.index} MIRROR_PAD: not supported yet: paddings of shape "
                         f"{list(pads_t.shape)} (TFLite Micro takes only [rank, 2])")
    if x.scale != y.scale or x.zero_point != y.zero_point:
        raise ModelError(f"layer {op.index} MIRROR_PAD: input and output quantization differ")
    pads = [(int(a), int(b)) for a, b in pads_t.data.reshape(-1, 2)]
    offset = 1 if op.options.get("mode") == "REFLECT" else 0
    maps = [[_mirror_index(o, a, n, offset) for o in range(n + a + b)]
            for n, (a, b) in zip(x.shape, pads)]
    if any(not 0 <= i < n for n, m in zip(x.shape, maps) for i in m):
        raise ModelError(f"layer {op.index} MIRROR_PAD: not supported yet: paddings {pads} "
                         f"reach past the input {list(x.shape)} in {op.options.get('mode')} "
                         "mode (TFLite Micro would read outside the input)")
    # the trailing axes without padding are one contiguous run per entry
    k = max((d for d, p in enumerate(pads) if p != (0, 0)), default=0) + 1
    inner = int(np.prod(x.shape[k:], dtype=np.int64))
    if k > MAX_DIMS:
        raise ModelError(f"layer {op.index} MIRROR_PAD: not supported yet: {k} dimensions "
                         f"up to the last padded one (tinydeploy takes {MAX_DIMS})")
    stride = [int(np.prod(x.shape[d + 1:k], dtype=np.int64)) * inner for d in range(k)]
    src = [i * stride[d] for d in range(k) for i in maps[d]]
    consts: list[Const] = []
    table = low.const(consts, op, "src", "int32_t", src)
    dims = [len(m) for m in maps[:k]]
    layer = low.unary(op, "td_mirror_pad_s8", MirrorPadParams(
        ndim=k, dims=dims + [0] * (MAX_DIMS - k), inner=inner, src=table))
    layer.consts = consts
    return layer


SPECS = tuple(OpSpec(name, rules.pad, pad, inputs=2, descriptor_inputs=(1,),
                     kernels=("pad_s8",), int16=True) for name in ("PAD", "PADV2")) + (
    OpSpec("MIRROR_PAD", rules.pad, mirror_pad, opts.parse_mirror_pad, inputs=2,
           descriptor_inputs=(1,), kernels=("mirror_pad_s8",)),)
