"""ADD and MUL -> td_add_s8 / td_mul_s8 (td_binary_params_t): TFLite Micro's Prepare
arithmetic, N-D broadcasting through per-input strides, constant operands as arrays."""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import quant
from ..ir import Op
from ..params import MAX_DIMS, BinaryParams
from ..program import Const, Layer, LowerContext, TensorArg


def _broadcast_strides(in_shape, out_shape) -> list[int]:
    shape = (1,) * (len(out_shape) - len(in_shape)) + tuple(in_shape)
    strides, acc = [0] * len(shape), 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = 0 if shape[d] == 1 and out_shape[d] != 1 else acc
        acc *= shape[d]
    return strides


def binary(low: LowerContext, op: Op) -> Layer:
    """ADD / MUL with TFLM's Prepare arithmetic and N-D broadcasting."""
    g = low.g
    a, b, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    out_shape = tuple(y.shape)
    if len(out_shape) > MAX_DIMS:
        raise ModelError(f"layer {op.index} {op.kind}: {len(out_shape)}-D broadcast; at most "
                         f"{MAX_DIMS} dimensions are supported")
    consts: list[Const] = []
    act_min, act_max = low.act(op, y)
    p = BinaryParams(size=y.size, ndim=0, dims=[0] * MAX_DIMS, strides1=[0] * MAX_DIMS,
             strides2=[0] * MAX_DIMS, in1_offset=-a.zero_point, in2_offset=-b.zero_point,
             out_offset=y.zero_point, left_shift=0, in1_mult=0, in1_shift=0, in2_mult=0,
             in2_shift=0, out_mult=0, out_shift=0, act_min=act_min, act_max=act_max)
    if tuple(a.shape) != out_shape or tuple(b.shape) != out_shape:
        if a.size == y.size and b.size == y.size:
            pass  # same element count, only rank differs: flat loop is exact
        else:
            nd = len(out_shape)
            p.ndim = nd
            p.dims[:nd] = out_shape
            p.strides1[:nd] = _broadcast_strides(a.shape, out_shape)
            p.strides2[:nd] = _broadcast_strides(b.shape, out_shape)
    if op.kind == "ADD":
        left_shift = 20
        twice_max = 2 * float(max(np.float32(a.scale), np.float32(b.scale)))
        p.left_shift = left_shift
        p.in1_mult, p.in1_shift = quant.quantize_multiplier(float(a.scale) / twice_max)
        p.in2_mult, p.in2_shift = quant.quantize_multiplier(float(b.scale) / twice_max)
        p.out_mult, p.out_shift = quant.quantize_multiplier(
            twice_max / ((1 << left_shift) * float(y.scale)))
        kernel = "td_add_s8"
    else:
        p.out_mult, p.out_shift = quant.quantize_multiplier(
            float(a.scale) * float(b.scale) / float(y.scale))
        kernel = "td_mul_s8"
    args = [low.data_arg(consts, op, op.inputs[0], "in1"), low.data_arg(consts, op, op.inputs[1], "in2")]
    inputs = [a.tensor for a in args if isinstance(a, TensorArg)]
    return Layer(index=op.index, op=op.kind, kernel=kernel, params=p, args=args, inputs=inputs,
                 output=op.outputs[0], consts=consts)
