"""PAD and PADV2 -> td_pad_s8 (td_pad_params_t): up to 4-D, constant paddings, the zero
point (PAD) or the given constant (PADV2) as the fill value."""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import PadParams
from ..program import Layer, LowerContext


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
    lead = 4 - len(x.shape)
    in_dims = [1] * lead + list(x.shape)
    out_dims = [1] * lead + list(y.shape)
    before = [0] * lead + [int(p[0]) for p in pads]
    value = y.zero_point
    if op.kind == "PADV2" and len(op.inputs) > 2 and op.inputs[2] >= 0:
        cv = g.t(op.inputs[2]).data
        if cv is None:
            raise ModelError(f"layer {op.index} PADV2: constant value must be constant")
        value = int(cv.reshape(-1)[0])
    return low.unary(op, "td_pad_s8", PadParams(
        in_dims=in_dims, out_dims=out_dims, before=before, value=value))


SPECS = tuple(OpSpec(name, rules.pad, pad, inputs=2, descriptor_inputs=(1,),
                     kernels=("pad_s8",)) for name in ("PAD", "PADV2"))
