"""SOFTMAX, LOG_SOFTMAX and LOGISTIC -> td_softmax_s8 / td_log_softmax_s8 / td_logistic_s8:
the fixed-point exp/log/sigmoid input scaling of TFLite Micro's Prepare; SOFTMAX and
LOGISTIC need the int8 output scale 1/256 and zero point -128, LOG_SOFTMAX 16/256 and 127."""
from __future__ import annotations

import math

import numpy as np

from ...errors import ModelError
from .. import op_options as opts
from .. import quant
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import LogisticParams, LogSoftmaxParams, SoftmaxParams
from ..program import Layer, LowerContext


def _check_unit_output(op: Op, y) -> None:
    if y.zero_point != -128 or abs(y.scale - 1.0 / 256) > 0.001 / 256:
        raise ModelError(f"layer {op.index} {op.kind}: int8 output must have scale 1/256 and "
                         f"zero point -128 (has {y.scale}, {y.zero_point}); TFLite Micro "
                         "requires it too: reconvert the model")


def softmax(low: LowerContext, op: Op) -> Layer:
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    _check_unit_output(op, y)
    beta = float(np.float32(op.options.get("beta", 1.0)))
    real = min(beta * float(x.scale) * (1 << (31 - 5)), (1 << 31) - 1.0)
    mult, left = quant.quantize_multiplier_gt_one(real)
    depth = x.shape[-1]
    return low.unary(op, "td_softmax_s8", SoftmaxParams(
        outer=x.size // depth, depth=depth, in_mult=mult, in_left_shift=left,
        diff_min=-quant.input_radius(5, left)))


def _input_scaling(x) -> tuple[int, int]:
    """PreprocessSoftmaxScaling with beta 1 and 5 integer bits: (multiplier, left shift)."""
    real = min(float(x.scale) * (1 << (31 - 5)), (1 << 31) - 1.0)
    return quant.quantize_multiplier_gt_one(real)


def log_softmax(low: LowerContext, op: Op) -> Layer:
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    if y.zero_point != 127 or float(np.float32(y.scale)) != 16.0 / 256:
        raise ModelError(f"layer {op.index} LOG_SOFTMAX: int8 output must have scale 16/256 "
                         f"and zero point 127 (has {y.scale}, {y.zero_point}); TFLite Micro "
                         "requires it too: reconvert the model")
    mult, left = _input_scaling(x)
    # PreprocessLogSoftmaxScalingExp's reverse scaling: 2^(31 - left) / mult, below one
    rev_div, rev_shift = quant.quantize_multiplier((1 << (31 - left)) / float(mult))
    depth = x.shape[-1]
    return low.unary(op, "td_log_softmax_s8", LogSoftmaxParams(
        outer=x.size // depth, depth=depth, in_mult=mult, in_left_shift=left,
        rev_div=rev_div, rev_shift=rev_shift, diff_min=-quant.input_radius(5, left)))


def logistic(low: LowerContext, op: Op) -> Layer:
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    _check_unit_output(op, y)
    real = float(x.scale) * float(1 << (31 - 4))
    q, left = math.frexp(real)
    mult = quant.round_half_away(q * (1 << 31))
    return low.unary(op, "td_logistic_s8", LogisticParams(
        size=x.size, in_zp=x.zero_point, range_radius=quant.input_radius(4, left),
        in_mult=mult, in_left_shift=left))


SPECS = (
    OpSpec("SOFTMAX", rules.softmax, softmax, opts.parse_softmax, kernels=("softmax_s8",)),
    OpSpec("LOG_SOFTMAX", rules.same_shape, log_softmax, kernels=("log_softmax_s8",)),
    OpSpec("LOGISTIC", rules.same_shape, logistic, kernels=("logistic_s8",)),
)
