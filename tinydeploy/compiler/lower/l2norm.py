"""L2_NORMALIZATION (last axis) -> td_l2norm_s8 (td_l2norm_params_t): TFLite's
reference_integer_ops::L2Normalization, whose output is on the fixed scale 1/128 with
zero point 0 (the converter always gives that; TFLite Micro ignores the output
quantization, so anything else is refused rather than silently misread)."""
from __future__ import annotations

from ...errors import ModelError
from .. import op_options as opts
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import L2NormParams
from ..program import Layer, LowerContext


def l2norm(low: LowerContext, op: Op) -> Layer:
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    if op.options.get("activation", "NONE") != "NONE":
        raise ModelError(f"layer {op.index} L2_NORMALIZATION: fused activation "
                         f"{op.options['activation']} is not supported (TFLite Micro "
                         "neither): reconvert without it")
    if y.zero_point != 0 or abs(y.scale - 1.0 / 128) > 1e-3 / 128:
        raise ModelError(f"layer {op.index} L2_NORMALIZATION: int8 output must have scale "
                         f"1/128 and zero point 0 (has {y.scale}, {y.zero_point}); TFLite "
                         "Micro assumes it: reconvert the model")
    if len(x.shape) > 4 or not x.shape:
        raise ModelError(f"layer {op.index} L2_NORMALIZATION: {len(x.shape)}-D input; "
                         "TFLite Micro takes 1-D to 4-D")
    depth = int(x.shape[-1])
    return low.unary(op, "td_l2norm_s8", L2NormParams(
        outer=x.size // max(depth, 1), depth=depth, in_zp=x.zero_point))


SPECS = (
    OpSpec("L2_NORMALIZATION", rules.same_shape, l2norm, opts.parse_l2_normalization,
           kernels=("l2norm_s8",)),
)
