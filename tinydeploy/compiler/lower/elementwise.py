"""ADD, SUB and MUL -> td_add_s8 / td_sub_s8 / td_mul_s8 (td_binary_params_t): TFLite
Micro's Prepare arithmetic, N-D broadcasting through per-input strides, constant operands as arrays.
ADD and SUB of int16 tensors (16x8 models) -> td_add_s16 / td_sub_s16: the same Prepare
with a left shift of 15 instead of 20, the reference arithmetic per element; MUL ->
td_mul_s16."""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import kernel_layout as kl
from .. import op_options as opts
from .. import quant
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import MAX_DIMS, BinaryParams
from ..program import Const, Layer, LowerContext, TensorArg


def broadcast_strides(in_shape, out_shape) -> list[int]:
    """Element strides of an operand per output dimension (leading dims padded with 1; 0
    where the operand broadcasts)."""
    shape = (1,) * (len(out_shape) - len(in_shape)) + tuple(in_shape)
    strides, acc = [0] * len(shape), 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = 0 if shape[d] == 1 and out_shape[d] != 1 else acc
        acc *= shape[d]
    return strides


def _merge_dims(dims, s1, s2):
    """Merge neighbouring dimensions that are contiguous in both inputs (or broadcast in
    both): the same element order, fewer odometer steps and longer inner runs."""
    dims, s1, s2 = list(dims), list(s1), list(s2)
    d = len(dims) - 2
    while d >= 0:
        if s1[d] == s1[d + 1] * dims[d + 1] and s2[d] == s2[d + 1] * dims[d + 1]:
            dims[d:d + 2] = [dims[d] * dims[d + 1]]
            s1[d:d + 2] = [s1[d + 1]]
            s2[d:d + 2] = [s2[d + 1]]
        d -= 1
    return dims, s1, s2


def set_broadcast(p: BinaryParams, a_shape, b_shape, out_shape) -> None:
    """The broadcast odometer of p (ndim, dims, strides): none (ndim 0, flat loop) when
    both inputs have the output's element count, else the merged output dimensions."""
    size = int(np.prod(out_shape, dtype=np.int64))
    if int(np.prod(a_shape, dtype=np.int64)) == size == int(np.prod(b_shape, dtype=np.int64)):
        return  # same shape, or only the rank differs: the flat loop is exact
    dims, s1, s2 = _merge_dims(out_shape, broadcast_strides(a_shape, out_shape),
                               broadcast_strides(b_shape, out_shape))
    nd = len(dims)
    p.ndim = nd
    p.dims[:nd] = dims
    p.strides1[:nd] = s1
    p.strides2[:nd] = s2


def _add_lut(offset: int, left_shift: int, mult: int, shift: int) -> list[int]:
    """An ADD input's scaled value for each int8 value -128..127, as the reference kernel
    computes it (td_add_s8.c add_ref; shift <= 0)."""
    return [kl.mbqm((v + offset) << left_shift, mult, shift) for v in range(-128, 128)]


def _sub(low: LowerContext, op: Op, p: BinaryParams, consts: list) -> str:
    """SUB: ADD's arithmetic with the difference of the scaled inputs; TFLite Micro's
    Prepare (sub_common.cc) forms the real multipliers in float for int8, not double as ADD
    does, and in double for int16 (TFLite Micro's SEANet SUB tests tell them apart). The
    table path stores input 2's scaled values negated (s1 + (-s2) == s1 - s2)."""
    a, b, y = (low.g.t(i) for i in (op.inputs[0], op.inputs[1], op.outputs[0]))
    left_shift = 15 if y.dtype == "int16" else 20
    p.left_shift = left_shift
    if y.dtype == "int16":
        twice = 2 * float(max(np.float32(a.scale), np.float32(b.scale)))
        p.in1_mult, p.in1_shift = quant.quantize_multiplier(float(a.scale) / twice)
        p.in2_mult, p.in2_shift = quant.quantize_multiplier(float(b.scale) / twice)
        p.out_mult, p.out_shift = quant.quantize_multiplier(
            twice / ((1 << left_shift) * float(y.scale)))
        return "td_sub_s16"
    twice_max = np.float32(2) * max(np.float32(a.scale), np.float32(b.scale))
    p.in1_mult, p.in1_shift = quant.quantize_multiplier(float(np.float32(a.scale) / twice_max))
    p.in2_mult, p.in2_shift = quant.quantize_multiplier(float(np.float32(b.scale) / twice_max))
    p.out_mult, p.out_shift = quant.quantize_multiplier(
        float(twice_max / (np.float32(1 << left_shift) * np.float32(y.scale))))
    rq = kl.requant_wide(p.out_mult, p.out_shift, p.out_offset)
    if rq is not None and p.in1_shift <= 0 and p.in2_shift <= 0:
        lut = (_add_lut(p.in1_offset, left_shift, p.in1_mult, p.in1_shift)
               + [-v for v in _add_lut(p.in2_offset, left_shift, p.in2_mult, p.in2_shift)])
        p.lut = low.const(consts, op, "lut", "int32_t", np.asarray(lut, np.int64))
        p.out_rq = [int(v) for v in rq]
    return "td_sub_s8"


def binary(low: LowerContext, op: Op) -> Layer:
    """ADD / SUB / MUL with TFLM's Prepare arithmetic and N-D broadcasting."""
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
    set_broadcast(p, a.shape, b.shape, out_shape)
    if {a.dtype, b.dtype, y.dtype} != {y.dtype}:
        raise ModelError(f"layer {op.index} {op.kind}: operands of types {a.dtype}, {b.dtype} "
                         f"and {y.dtype}; TFLite Micro takes one")
    if op.kind == "ADD":
        left_shift = 15 if y.dtype == "int16" else 20
        twice_max = 2 * float(max(np.float32(a.scale), np.float32(b.scale)))
        p.left_shift = left_shift
        p.in1_mult, p.in1_shift = quant.quantize_multiplier(float(a.scale) / twice_max)
        p.in2_mult, p.in2_shift = quant.quantize_multiplier(float(b.scale) / twice_max)
        p.out_mult, p.out_shift = quant.quantize_multiplier(
            twice_max / ((1 << left_shift) * float(y.scale)))
        rq = kl.requant_wide(p.out_mult, p.out_shift, p.out_offset)
        if rq is not None and p.in1_shift <= 0 and p.in2_shift <= 0 and y.dtype == "int8":
            # td_add_s8 fast path: both inputs' scaled values by table, one-step output
            # requantization of their sum (the reference arithmetic, exactly)
            lut = (_add_lut(p.in1_offset, left_shift, p.in1_mult, p.in1_shift)
                   + _add_lut(p.in2_offset, left_shift, p.in2_mult, p.in2_shift))
            p.lut = low.const(consts, op, "lut", "int32_t", np.asarray(lut, np.int64))
            p.out_rq = [int(v) for v in rq]
        kernel = "td_add_s16" if y.dtype == "int16" else "td_add_s8"
    elif op.kind == "SUB":
        kernel = _sub(low, op, p, consts)
    else:
        p.out_mult, p.out_shift = quant.quantize_multiplier(
            float(a.scale) * float(b.scale) / float(y.scale))
        kernel = "td_mul_s16" if y.dtype == "int16" else "td_mul_s8"
    args = [low.data_arg(consts, op, op.inputs[0], "in1"), low.data_arg(consts, op, op.inputs[1], "in2")]
    inputs = [a.tensor for a in args if isinstance(a, TensorArg)]
    return Layer(index=op.index, op=op.kind, kernel=kernel, params=p, args=args, inputs=inputs,
                 output=op.outputs[0], consts=consts)


SPECS = (
    OpSpec("ADD", rules.broadcast, binary, opts.parse_add, inputs=2,
           kernels=("add_s8", "add_s16"), int16=True),
    OpSpec("SUB", rules.broadcast, binary, opts.parse_sub, inputs=2,
           kernels=("sub_s8", "sub_s16"), int16=True),
    OpSpec("MUL", rules.broadcast, binary, opts.parse_mul, inputs=2,
           kernels=("mul_s8", "mul_s16"), int16=True),
)
