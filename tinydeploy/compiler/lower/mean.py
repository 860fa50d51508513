"""MEAN over adjacent axes -> td_mean_s8 (td_mean_params_t): 1/count folded into the
requantization multiplier as TFLite's integer mean does."""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import quant
from ..ir import Op
from ..params import MeanParams
from ..program import Layer, LowerContext


def mean(low: LowerContext, op: Op) -> Layer:
    g = low.g
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    axes_t = g.t(op.inputs[1])
    if axes_t.data is None:
        raise ModelError(f"layer {op.index} MEAN: axes must be constant")
    nd = len(x.shape)
    axes = sorted({int(a) % nd for a in axes_t.data.reshape(-1)})
    if axes != list(range(axes[0], axes[-1] + 1)):
        raise ModelError(f"layer {op.index} MEAN: reduction over non-adjacent axes {axes} is "
                         "not supported")
    outer = int(np.prod(x.shape[:axes[0]], dtype=np.int64))
    reduce = int(np.prod(x.shape[axes[0]:axes[-1] + 1], dtype=np.int64))
    inner = int(np.prod(x.shape[axes[-1] + 1:], dtype=np.int64))
    # TFLite's integer mean: fold 1/count into the requantization multiplier.
    mult, shift = quant.quantize_multiplier(float(x.scale) / float(y.scale))
    fold = min(reduce.bit_length() - 1, 32, 31 + shift)
    mult = (mult << fold) // reduce
    return low.unary(op, "td_mean_s8", MeanParams(
        outer=outer, reduce=reduce, inner=inner, in_zp=x.zero_point,
        out_zp=y.zero_point, mult=mult, shift=shift - fold))
