"""AVERAGE_POOL_2D and MAX_POOL_2D -> td_avg_pool_s8 / td_max_pool_s8 (td_pool_params_t);
with int16 activations (16x8) -> td_avg_pool_s16 / td_max_pool_s16."""
from __future__ import annotations

from .. import op_options as opts
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import PoolParams
from ..program import Layer, LowerContext
from .window import conv_padding


def pool(low: LowerContext, op: Op) -> Layer:
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    o = op.options
    n, ih, iw, c = x.shape
    _, oh, ow, _ = y.shape
    act_min, act_max = low.act(op, y)
    params = PoolParams(batches=n, in_h=ih, in_w=iw, c=c, out_h=oh, out_w=ow,
                  k_h=o["filter_h"], k_w=o["filter_w"], stride_h=o["stride_h"],
                  stride_w=o["stride_w"],
                  pad_h=conv_padding(o["padding"], o["stride_h"], 1, ih, o["filter_h"], oh),
                  pad_w=conv_padding(o["padding"], o["stride_w"], 1, iw, o["filter_w"], ow),
                  act_min=act_min, act_max=act_max)
    kernel = ("td_avg_pool_s" if op.kind == "AVERAGE_POOL_2D" else "td_max_pool_s") + (
        "16" if x.dtype == "int16" else "8")
    return low.unary(op, kernel, params)


SPECS = (
    OpSpec("AVERAGE_POOL_2D", rules.pool, pool, opts.parse_pool,
           kernels=("avg_pool_s8", "avg_pool_s16"), int16=True),
    OpSpec("MAX_POOL_2D", rules.pool, pool, opts.parse_pool,
           kernels=("max_pool_s8", "max_pool_s16"), int16=True),
)
