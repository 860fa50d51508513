"""FULLY_CONNECTED -> td_fully_connected_s8 (td_fc_params_t): constant weights, per-tensor
or per-channel requantization, any number of leading (batch) dimensions. With int16
activations (16x8) and an int64 bias: TFLM's int16 FullyConnected is a 1x1 convolution of
the batches as one row of pixels, so it runs on td_conv2d_s16 (the same 64-bit sums and
requantization per output)."""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import op_options as opts
from .. import quant
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import ConvParams, FcParams
from ..program import Const, ConstArg, Layer, LowerContext, TensorArg
from .fastpath import ConvFast, fully_connected_fast


def fully_connected(low: LowerContext, op: Op) -> Layer:
    g = low.g
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    b = g.t(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    if op.options.get("weights_format", 0) != 0:
        raise ModelError(f"layer {op.index} FULLY_CONNECTED: shuffled weights format is "
                         "not supported; convert without it")
    if not w.is_const:
        raise ModelError(f"layer {op.index} FULLY_CONNECTED: weights are not constant "
                         "(a matmul of two activations) and are not supported")
    out_n, depth = w.shape
    batches = x.size // depth
    assert w.quant is not None  # verify.py: an int8 tensor an op reads is quantized
    per_channel = w.quant.per_channel
    if per_channel:
        mult, shift = quant.per_channel_multipliers(x.scale, w.quant.scale, y.scale, out_n)
    else:
        m, s = quant.quantize_multiplier(float(x.scale) * float(w.quant.scale[0]) / float(y.scale))
        mult, shift = [m], [s]
    consts: list[Const] = []
    act_min, act_max = low.act(op, y)
    if x.dtype == "int16":
        return _fc_s16(low, op, batches, depth, out_n, np.broadcast_to(mult, out_n),
                       np.broadcast_to(shift, out_n), (act_min, act_max))
    params = FcParams(batches=batches, in_depth=depth, out_n=out_n, in_offset=-x.zero_point,
                  w_offset=-int(w.quant.zero_point[0]), out_offset=y.zero_point,
                  act_min=act_min, act_max=act_max, per_channel=int(per_channel),
                  weights=low.const(consts, op, "w", "int8_t", w.const_data.astype(np.int8)),
                  bias=low.const(consts, op, "b", "int32_t", b.const_data.astype(np.int32))
                  if b is not None else None,
                  mult=low.const(consts, op, "mult", "int32_t", mult),
                  shift=low.const(consts, op, "shift", "int32_t", shift))
    layer = Layer(index=op.index, op=op.kind, kernel="td_fully_connected_s8", params=params,
                  args=[TensorArg(op.inputs[0])], inputs=[op.inputs[0]], output=op.outputs[0],
                  consts=consts, macs=batches * out_n * depth,
                  weight_bytes=w.nbytes + (b.nbytes if b is not None else 0))
    fully_connected_fast(ConvFast(low, op, layer, w.const_data.astype(np.int8),
                                  b.const_data.astype(np.int32) if b is not None else None,
                                  mult, shift))
    return layer


def _fc_s16(low: LowerContext, op: Op, batches: int, depth: int, out_n: int, mult, shift,
            act: tuple[int, int]) -> Layer:
    g = low.g
    w, y = g.t(op.inputs[1]), g.t(op.outputs[0])
    b = g.t(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    if (y.dtype != "int16" or b is None or b.dtype != "int64" or g.t(op.inputs[0]).zero_point
            or w.quant is None or np.any(w.quant.zero_point != 0)):
        raise ModelError(f"layer {op.index} FULLY_CONNECTED: not supported yet: int16 input "
                         "other than 16x8 with an int64 bias (zero points 0, int16 output)")
    consts: list[Const] = []
    params = ConvParams(batches=1, in_h=1, in_w=batches, in_c=depth, out_h=1, out_w=batches,
                        out_c=out_n, k_h=1, k_w=1, stride_h=1, stride_w=1, dil_h=1, dil_w=1,
                        pad_h=0, pad_w=0, filter_in_c=depth, depth_mult=1, in_offset=0,
                        out_offset=0, act_min=act[0], act_max=act[1],
                        weights=low.const(consts, op, "w", "int8_t", w.const_data.astype(np.int8)),
                        bias=None, mult=low.const(consts, op, "mult", "int32_t", np.asarray(mult)),
                        shift=low.const(consts, op, "shift", "int32_t", np.asarray(shift)))
    arg = ConstArg(low.const(consts, op, "b64", "int64_t", b.const_data.astype(np.int64)))
    return Layer(index=op.index, op=op.kind, kernel="td_conv2d_s16", params=params,
                 args=[TensorArg(op.inputs[0]), arg], inputs=[op.inputs[0]],
                 output=op.outputs[0], consts=consts, macs=batches * out_n * depth,
                 weight_bytes=w.nbytes + b.nbytes)


SPECS = (
    OpSpec("FULLY_CONNECTED", rules.fully_connected, fully_connected,
           opts.parse_fully_connected, inputs=2, optional_inputs=(2,),
           kernels=("fully_connected_s8", "fully_connected_rows4_s8",
                    "fully_connected_sparse_s8", "fully_connected_palette_s8",
                    "fully_connected_sparse_palette_s8", "fully_connected_nm_s8", "conv2d_s16"),
           weight_axis=0, int16=True),
)
