"""TRANSPOSE_CONV -> td_transpose_conv_s8 (td_transpose_conv_params_t).

TFLite Micro's Prepare, done here: per-channel multipliers and shifts
(PopulateConvolutionQuantizationParams), the fused activation range, and the padding, which
TFLM computes from the *output* size as if it were the input of the forward convolution
(ComputePaddingHeightWidth(stride, 1, out_h, out_w, k_h, k_w, padding)). TFLM ignores
input 0 (the output shape) and uses the output tensor's shape; a constant output shape
that disagrees with it is refused, a computed one (free batch, shape_inputs.py) is ignored
likewise. The int32 accumulator buffer TFLM requests (output elements x 4 bytes) is the
layer's planned scratch buffer.
"""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import op_options as opts
from .. import quant
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import TransposeConvParams
from ..program import SCRATCH, Const, ConstArg, Layer, LowerContext, TensorArg
from .window import conv_padding


def _c_div(a: int, b: int) -> int:
    """C integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _out_size(padding: str, size: int, k: int, stride: int) -> int:
    """ComputeOutSize (dilation 1)."""
    if padding == "SAME":
        return _c_div(size + stride - 1, stride)
    return _c_div(size + stride - k, stride)


def tconv_padding(padding: str, stride: int, out_size: int, k: int) -> int:
    """The leading padding TFLM's transpose conv uses for one spatial axis."""
    return conv_padding(padding, stride, 1, out_size, k, _out_size(padding, out_size, k, stride))


def _taps(in_size: int, stride: int, pad: int, k: int, out_size: int) -> int:
    """Filter taps along one axis that land inside the output (the products computed)."""
    return sum(1 for i in range(in_size) for t in range(k) if 0 <= i * stride - pad + t < out_size)


def transpose_conv(low: LowerContext, op: Op) -> Layer:
    g = low.g
    where = f"layer {op.index} TRANSPOSE_CONV"
    if len(op.inputs) < 3:
        raise ModelError(f"{where}: expected inputs (output_shape, weights, input[, bias])")
    shape_t, w, x, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.inputs[2]), g.t(op.outputs[0])
    b = g.t(op.inputs[3]) if len(op.inputs) > 3 and op.inputs[3] >= 0 else None
    if len(x.shape) != 4 or len(y.shape) != 4 or len(w.shape) != 4:
        raise ModelError(f"{where}: input, weights and output must be 4-D (NHWC)")
    # A computed output shape (free batch: shape_inputs.py) is ignored, as TFLM does.
    if shape_t.is_const and [int(v) for v in np.asarray(shape_t.data).reshape(-1)] != list(y.shape):
        raise ModelError(f"{where}: the output shape input {shape_t.const_data.tolist()} differs "
                         f"from the output tensor's shape {list(y.shape)}")
    if not w.is_const:
        raise ModelError(f"{where}: weights are not constant; only constant weights are "
                         "supported")
    n, ih, iw, ic = x.shape
    yn, oh, ow, oc = y.shape
    woc, kh, kw, wic = w.shape
    if yn != n or wic != ic or woc != oc:
        raise ModelError(f"{where}: weights {list(w.shape)} do not fit input {list(x.shape)} "
                         f"and output {list(y.shape)}")
    assert w.quant is not None  # verify.py: an int8 tensor an op reads is quantized
    if np.any(w.quant.zero_point != 0):
        raise ModelError(f"{where}: weights must be symmetric (zero point 0) as TFLite's int8 "
                         "spec requires")
    if w.quant.scale.size not in (1, oc) or (w.quant.scale.size > 1 and w.quant.axis != 0):
        raise ModelError(f"{where}: weights must be quantized per tensor or per output "
                         "channel (axis 0)")
    s16 = x.dtype == "int16"
    if b is not None and (b.dtype != ("int64" if s16 else "int32") or not b.is_const
                          or b.size != oc):
        raise ModelError(f"{where}: bias must be a constant {'int64' if s16 else 'int32'} "
                         f"vector of {oc} values (got {b.dtype} {list(b.shape)})")
    if s16 and (y.dtype != "int16" or x.zero_point or y.zero_point):
        raise ModelError(f"{where}: a 16x8 transpose convolution takes int16 input and output "
                         "with zero points 0")
    o = op.options
    sh, sw = o["stride_h"], o["stride_w"]
    if sh < 1 or sw < 1:
        raise ModelError(f"{where}: strides must be >= 1 (got {sh}, {sw})")
    mult, shift = quant.per_channel_multipliers(x.scale, w.quant.scale, y.scale, oc)
    act_min, act_max = low.act(op, y)
    consts: list[Const] = []
    params = TransposeConvParams(
        batches=n, in_h=ih, in_w=iw, in_c=ic, out_h=oh, out_w=ow, out_c=oc, k_h=kh, k_w=kw,
        stride_h=sh, stride_w=sw, pad_h=tconv_padding(o["padding"], sh, oh, kh),
        pad_w=tconv_padding(o["padding"], sw, ow, kw), in_offset=-x.zero_point,
        out_offset=y.zero_point, act_min=act_min, act_max=act_max,
        weights=low.const(consts, op, "w", "int8_t", w.const_data.astype(np.int8)),
        bias=low.const(consts, op, "b", "int32_t", b.const_data.astype(np.int32))
        if b is not None and not s16 else None,
        mult=low.const(consts, op, "mult", "int32_t", mult),
        shift=low.const(consts, op, "shift", "int32_t", shift),
        scratch=SCRATCH)
    args: list = [TensorArg(op.inputs[2])]
    if s16:          # the int64 bias as a data argument (td_transpose_conv_s16)
        bias = b.const_data.astype(np.int64) if b is not None else np.zeros(oc, np.int64)
        args.append(ConstArg(low.const(consts, op, "b64", "int64_t", bias)))
    return Layer(index=op.index, op=op.kind,
                 kernel="td_transpose_conv_s16" if s16 else "td_transpose_conv_s8",
                 params=params, args=args, inputs=[op.inputs[2]], output=op.outputs[0],
                 consts=consts, macs=n * ic * oc * _taps(ih, sh, params.pad_h, kh, oh)
                 * _taps(iw, sw, params.pad_w, kw, ow),
                 weight_bytes=w.nbytes + (b.nbytes if b is not None else 0),
                 scratch=(8 if s16 else 4) * y.size)


SPECS = (
    OpSpec("TRANSPOSE_CONV", rules.transpose_conv, transpose_conv, opts.parse_transpose_conv,
           inputs=3, optional_inputs=(3,), descriptor_inputs=(0,),
           kernels=("transpose_conv_s8", "transpose_conv_s16"), weight_axis=0, int16=True),
)
