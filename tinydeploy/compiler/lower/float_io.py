"""The float boundary of a model converted with float input/output (the converter's
default): QUANTIZE float32 -> int8 after a model input -> td_quantize_f32_s8, DEQUANTIZE
int8 -> float32 before a model output -> td_dequantize_s8_f32 (int16 -> float32 of a 16x8
model: td_dequantize_s16_f32). Both do what TFLite Micro's
reference kernels do (AffineQuantize, Dequantize); validate.py admits them only at the
graph boundary (compiler/boundary.py)."""
from __future__ import annotations

import numpy as np

from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import DequantizeParams, QuantizeF32Params
from ..program import Layer, LowerContext


def quantize_f32(low: LowerContext, op: Op) -> Layer:
    y = low.g.t(op.outputs[0])
    return low.unary(op, "td_quantize_f32_s8", QuantizeF32Params(
        size=y.size, zero_point=y.zero_point, scale=float(np.float32(y.scale))))


def dequantize(low: LowerContext, op: Op) -> Layer:
    x = low.g.t(op.inputs[0])
    kernel = "td_dequantize_s16_f32" if x.dtype == "int16" else "td_dequantize_s8_f32"
    return low.unary(op, kernel, DequantizeParams(
        size=x.size, zero_point=x.zero_point, scale=float(np.float32(x.scale))))


SPECS = (
    OpSpec("DEQUANTIZE", rules.same_shape, dequantize,
           kernels=("dequantize_s8_f32", "dequantize_s16_f32"), int16=True),
)
