"""ARG_MAX / ARG_MIN over one constant axis (negative counts from the end) of an int8
tensor -> td_arg_minmax_s8 (td_arg_minmax_params_t): int32 or int64 indices, the first
index on ties, as TFLite Micro's reference kernel."""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import ArgMinMaxParams
from ..program import Layer, LowerContext


def arg_minmax(low: LowerContext, op: Op) -> Layer:
    g = low.g
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    axis_t = g.t(op.inputs[1])
    if axis_t.data is None or axis_t.data.size != 1:
        raise ModelError(f"layer {op.index} {op.kind}: the axis must be one constant")
    nd = len(x.shape)
    axis = int(axis_t.data.reshape(-1)[0])
    if not -nd <= axis < nd:
        raise ModelError(f"layer {op.index} {op.kind}: axis {axis} is out of range for a "
                         f"rank-{nd} input")
    axis %= nd
    if y.dtype not in ("int32", "int64"):
        raise ModelError(f"layer {op.index} {op.kind}: output type {y.dtype} is not "
                         "supported (int32 or int64)")
    return low.unary(op, "td_arg_minmax_s8", ArgMinMaxParams(
        outer=int(np.prod(x.shape[:axis], dtype=np.int64)), axis_len=int(x.shape[axis]),
        inner=int(np.prod(x.shape[axis + 1:], dtype=np.int64)),
        is_min=int(op.kind == "ARG_MIN"), out_bytes=8 if y.dtype == "int64" else 4))


SPECS = tuple(OpSpec(name, rules.arg_minmax, arg_minmax, inputs=2, descriptor_inputs=(1,),
                     kernels=("arg_minmax_s8",)) for name in ("ARG_MAX", "ARG_MIN"))
