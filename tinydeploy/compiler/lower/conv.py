"""CONV_2D and DEPTHWISE_CONV_2D -> td_conv2d_s8 / td_depthwise_conv2d_s8 (td_conv_params_t),
or the fast kernel fastpath.py picks for the layer; with int16 activations (16x8, int64
bias) -> td_conv2d_s16 / td_depthwise_conv2d_s16.

Per-channel requantization multipliers and shifts are computed here (TFLite Micro's
Prepare), the leading padding with ComputePaddingWithOffset, the filter window from the
op's options or, for a folded dilated pattern (dilated.py), from the views it carries.
"""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import op_options as opts
from .. import quant
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import ConvParams
from ..program import Const, ConstArg, Layer, LowerContext, TensorArg
from .fastpath import ConvFast, conv_fast, depthwise_fast
from .window import conv_padding as _conv_padding


def conv(low: LowerContext, op: Op) -> Layer:
    g = low.g
    x, w, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    b = g.t(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    o = op.options
    depthwise = op.kind == "DEPTHWISE_CONV_2D"
    # A folded Conv1D carries its 4-D views; the tensors themselves are 3-D.
    n, ih, iw, ic = o.get("in_shape", x.shape)
    _, oh, ow, oc = o.get("out_shape", y.shape)
    if depthwise:
        _, kh, kw, woc = w.shape
        filter_in_c, depth_mult = 1, oc // ic
    else:
        woc, kh, kw, filter_in_c = w.shape
        depth_mult = 1
        if ic % filter_in_c or oc % (ic // filter_in_c):
            raise ModelError(f"layer {op.index} CONV_2D: input depth {ic} is not a multiple "
                             f"of the filter depth {filter_in_c}")
    if woc != oc:
        raise ModelError(f"layer {op.index} {op.kind}: weights have {woc} output channels, "
                         f"output has {oc}")
    assert w.quant is not None  # verify.py: an int8 tensor an op reads is quantized
    if np.any(w.quant.zero_point != 0):
        raise ModelError(f"layer {op.index} {op.kind}: weights must be symmetric (zero "
                         "point 0) as TFLite's int8 spec requires")
    sh, sw, dh, dw = o["stride_h"], o["stride_w"], o["dilation_h"], o["dilation_w"]
    if "explicit_pad" in o:
        ph, pw = o["explicit_pad"]
    else:
        ph = _conv_padding(o["padding"], sh, dh, ih, kh, oh)
        pw = _conv_padding(o["padding"], sw, dw, iw, kw, ow)
    mult, shift = quant.per_channel_multipliers(x.scale, w.quant.scale, y.scale, oc)
    consts: list[Const] = []
    act_min, act_max = low.act(op, y)
    params = ConvParams(batches=n, in_h=ih, in_w=iw, in_c=ic, out_h=oh, out_w=ow, out_c=oc,
                  k_h=kh, k_w=kw, stride_h=sh, stride_w=sw, dil_h=dh, dil_w=dw,
                  pad_h=ph, pad_w=pw, filter_in_c=filter_in_c, depth_mult=depth_mult,
                  in_offset=-x.zero_point, out_offset=y.zero_point,
                  act_min=act_min, act_max=act_max,
                  weights=low.const(consts, op, "w", "int8_t", w.const_data.astype(np.int8)),
                  bias=low.const(consts, op, "b", "int32_t", b.const_data.astype(np.int32))
                  if b is not None and x.dtype == "int8" else None,
                  mult=low.const(consts, op, "mult", "int32_t", mult),
                  shift=low.const(consts, op, "shift", "int32_t", shift))
    macs = n * oh * ow * oc * kh * kw * filter_in_c
    if x.dtype == "int16":
        return _conv_s16(low, op, params, consts, b, macs, w.nbytes)
    kernel = "td_depthwise_conv2d_s8" if depthwise else "td_conv2d_s8"
    layer = Layer(index=op.index, op=op.kind, kernel=kernel, params=params,
                  args=[TensorArg(op.inputs[0])], inputs=[op.inputs[0]], output=op.outputs[0],
                  consts=consts, macs=macs,
                  weight_bytes=w.nbytes + (b.nbytes if b is not None else 0))
    fast = ConvFast(low, op, layer, w.const_data.astype(np.int8),
                    b.const_data.astype(np.int32) if b is not None else None, mult, shift)
    (depthwise_fast if depthwise else conv_fast)(fast)
    return layer


def _conv_s16(low: LowerContext, op: Op, params: ConvParams, consts: list, b, macs: int,
              w_bytes: int) -> Layer:
    """CONV_2D / DEPTHWISE_CONV_2D of a 16x8 model: td_conv2d_s16 / td_depthwise_conv2d_s16
    with the int64 bias as a data argument."""
    y = low.g.t(op.outputs[0])
    if y.dtype != "int16" or (b is not None and b.dtype != "int64"):
        raise ModelError(f"layer {op.index} {op.kind}: not supported yet: int16 input with a "
                         f"{y.dtype} output or a {b.dtype if b is not None else 'missing'} bias "
                         "(16x8 is int16 in and out with an int64 bias)")
    if params.in_offset or params.out_offset:
        raise ModelError(f"layer {op.index} {op.kind}: int16 zero points must be 0 (16x8 is "
                         "symmetric): reconvert the model")
    bias = b.const_data.astype(np.int64) if b is not None else np.zeros(params.out_c, np.int64)
    arg = ConstArg(low.const(consts, op, "b64", "int64_t", bias))
    kernel = "td_depthwise_conv2d_s16" if op.kind == "DEPTHWISE_CONV_2D" else "td_conv2d_s16"
    return Layer(index=op.index, op=op.kind, kernel=kernel, params=params,
                 args=[TensorArg(op.inputs[0]), arg], inputs=[op.inputs[0]],
                 output=op.outputs[0], consts=consts, macs=macs,
                 weight_bytes=w_bytes + (b.nbytes if b is not None else 0))


SPECS = (
    OpSpec("CONV_2D", rules.conv, conv, opts.parse_conv2d, inputs=2, optional_inputs=(2,),
           kernels=("conv2d_s8", "conv2d_1x1_s8", "conv2d_im2col_s8", "conv2d_sparse_s8",
                    "conv2d_sparse_palette_s8", "conv2d_1x1_palette_s8", "conv2d_nm_s8",
                    "conv2d_s16"),
           weight_axis=0, int16=True),
    OpSpec("DEPTHWISE_CONV_2D", rules.conv, conv, opts.parse_depthwise_conv2d, inputs=2,
           optional_inputs=(2,), kernels=("depthwise_conv2d_s8", "depthwise_conv2d_3x3_s8",
                                          "depthwise_conv2d_s16"),
           weight_axis=3, int16=True),
)
