"""Element-wise activations.

LEAKY_RELU, HARD_SWISH, TANH, ELU, ABS, RSQRT and GELU -> td_lut_s8 (td_lut_params_t): each
is a function of one int8 value, so the lowering evaluates TFLite Micro's arithmetic for all
256 inputs (activation_tables.py) and the device looks the output up. TFLite Micro itself
builds such a table in Prepare for ELU; for the others the table holds exactly what its
Eval computes per element. GELU follows TFLite's table (TFLite Micro has no GELU kernel).
LEAKY_RELU on int16 (16x8 models) -> td_leaky_relu_s16, the same arithmetic per element.

PRELU -> td_prelu_s8 (td_binary_params_t, input 2 the constant alpha broadcast as
TFLite's BroadcastPrelu4DSlow does): x >= 0 requantized with in1_mult/in1_shift,
x < 0 as (x - zp) * (alpha - alpha_zp) with out_mult/out_shift.
"""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import op_options as opts
from .. import quant
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import MAX_DIMS, BinaryParams, LeakyReluS16Params, LutParams
from ..program import Const, ConstArg, Layer, LowerContext, TensorArg
from . import activation_tables as tables
from .elementwise import _merge_dims, broadcast_strides


def _check_out(op: Op, y, scale: float, zp: int) -> None:
    if y.zero_point != zp or abs(y.scale - scale) > 1e-3 * scale:
        raise ModelError(f"layer {op.index} {op.kind}: int8 output must have scale {scale} and "
                         f"zero point {zp} (has {y.scale}, {y.zero_point}); TFLite Micro "
                         "assumes it: reconvert the model")


def _table(op: Op, x, y) -> list[int]:
    if op.kind == "LEAKY_RELU":
        return tables.leaky_relu(x.scale, x.zero_point, y.scale, y.zero_point,
                                 op.options.get("alpha", 0.2))
    if op.kind == "HARD_SWISH":
        try:
            return tables.hard_swish(x.scale, x.zero_point, y.scale, y.zero_point)
        except ValueError as exc:
            raise ModelError(f"layer {op.index} HARD_SWISH: {exc}") from None
    if op.kind == "TANH":
        _check_out(op, y, 1.0 / 128, 0)
        return tables.tanh(x.scale, x.zero_point)
    if op.kind == "ABS":
        return tables.abs_(x.scale, x.zero_point, y.scale, y.zero_point)
    if op.kind == "RSQRT":
        return tables.rsqrt(x.scale, x.zero_point, y.scale, y.zero_point)
    if op.kind == "GELU":
        return tables.gelu(x.scale, x.zero_point, y.scale, y.zero_point,
                           op.options.get("approximate", False))
    return tables.elu(x.scale, x.zero_point, y.scale, y.zero_point)


def leaky_relu_s16(low: LowerContext, op: Op) -> Layer:
    """LEAKY_RELU on int16 (16x8 models): TFLM's integer arithmetic per element."""
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    if y.dtype != "int16":
        raise ModelError(f"layer {op.index} LEAKY_RELU: int16 input, {y.dtype} output; TFLite "
                         "Micro takes one type")
    m_id, sh_id, m_alpha, sh_alpha = tables.leaky_relu_multipliers(
        x.scale, y.scale, op.options.get("alpha", 0.2))
    return low.unary(op, "td_leaky_relu_s16", LeakyReluS16Params(
        size=x.size, in_zp=x.zero_point, out_zp=y.zero_point, mult_id=m_id, shift_id=sh_id,
        mult_alpha=m_alpha, shift_alpha=sh_alpha))


def lut(low: LowerContext, op: Op) -> Layer:
    """LEAKY_RELU, HARD_SWISH, TANH, ELU, ABS, RSQRT, GELU: one table lookup per element."""
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    if x.dtype == "int16":
        return leaky_relu_s16(low, op)
    for t in (x, y):
        if t.quant is not None and t.quant.per_channel:
            raise ModelError(f"layer {op.index} {op.kind}: tensor '{t.name}' is quantized "
                             "per channel; TFLite Micro takes one scale: reconvert the model")
    consts: list[Const] = []
    table = low.const(consts, op, "lut", "int8_t", np.asarray(_table(op, x, y), np.int64))
    layer = low.unary(op, "td_lut_s8", LutParams(size=x.size, table=table))
    layer.consts = consts
    return layer


def prelu(low: LowerContext, op: Op) -> Layer:
    """PRELU with a constant int8 alpha (Keras PReLU: one alpha per element of the
    non-shared axes), broadcast against the input."""
    g = low.g
    x, a, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    if not a.is_const:
        raise ModelError(f"layer {op.index} PRELU: alpha '{a.name}' is computed at run time; "
                         "only a constant alpha (Keras PReLU) is supported")
    if a.dtype != "int8" or a.quant is None or a.quant.per_channel:
        raise ModelError(f"layer {op.index} PRELU: alpha '{a.name}' must be int8 with one "
                         "scale (TFLite Micro reads only the first): reconvert the model")
    out_shape = tuple(y.shape)
    if tuple(x.shape) != out_shape or len(out_shape) > 4 or len(a.shape) > 4:
        raise ModelError(f"layer {op.index} PRELU: input {list(x.shape)} / alpha "
                         f"{list(a.shape)} -> output {list(out_shape)}; TFLite Micro takes "
                         "up to 4-D with alpha broadcast onto the input")
    # TFLM CalculatePreluParams: the scale ratios in double
    m1, s1 = quant.quantize_multiplier(float(x.scale) / float(y.scale))
    m2, s2 = quant.quantize_multiplier(float(x.scale) * float(a.scale) / float(y.scale))
    p = BinaryParams(size=y.size, ndim=0, dims=[0] * MAX_DIMS, strides1=[0] * MAX_DIMS,
                     strides2=[0] * MAX_DIMS, in1_offset=-x.zero_point,
                     in2_offset=-a.zero_point, out_offset=y.zero_point, left_shift=0,
                     in1_mult=m1, in1_shift=s1, in2_mult=0, in2_shift=0, out_mult=m2,
                     out_shift=s2, act_min=-128, act_max=127)
    if a.size != y.size:
        dims, s_x, s_a = _merge_dims(out_shape, broadcast_strides(x.shape, out_shape),
                                     broadcast_strides(a.shape, out_shape))
        p.ndim = len(dims)
        p.dims[:p.ndim] = dims
        p.strides1[:p.ndim] = s_x
        p.strides2[:p.ndim] = s_a
    consts: list[Const] = []
    alpha = low.const(consts, op, "alpha", "int8_t", a.const_data.astype(np.int8))
    return Layer(index=op.index, op=op.kind, kernel="td_prelu_s8", params=p,
                 args=[TensorArg(op.inputs[0]), ConstArg(alpha)], inputs=[op.inputs[0]],
                 output=op.outputs[0], consts=consts)


SPECS = (
    OpSpec("LEAKY_RELU", rules.same_shape, lut, opts.parse_leaky_relu,
           kernels=("lut_s8", "leaky_relu_s16"), int16=True),
    OpSpec("HARD_SWISH", rules.same_shape, lut, kernels=("lut_s8",)),
    OpSpec("TANH", rules.same_shape, lut, kernels=("lut_s8",)),
    OpSpec("ELU", rules.same_shape, lut, kernels=("lut_s8",)),
    OpSpec("GELU", rules.same_shape, lut, opts.parse_gelu, kernels=("lut_s8",)),
    OpSpec("ABS", rules.same_shape, lut, kernels=("lut_s8",)),
    OpSpec("RSQRT", rules.same_shape, lut, kernels=("lut_s8",)),
    OpSpec("PRELU", rules.broadcast, prelu, inputs=2, kernels=("prelu_s8",)),
)
