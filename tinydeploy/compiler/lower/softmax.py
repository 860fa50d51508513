"""SOFTMAX and LOGISTIC -> td_softmax_s8 / td_logistic_s8: the fixed-point exp/sigmoid
input scaling of TFLite Micro's Prepare; both need the int8 output scale 1/256, zp -128."""
from __future__ import annotations

import math

import numpy as np

from ...errors import ModelError
from .. import op_options as opts
from .. import quant
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import LogisticParams, SoftmaxParams
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
    OpSpec("LOGISTIC", rules.same_shape, logistic, kernels=("logistic_s8",)),
)
