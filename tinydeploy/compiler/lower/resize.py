"""RESIZE_NEAREST_NEIGHBOR -> td_resize_nearest_s8, RESIZE_BILINEAR -> td_resize_bilinear_s8
(td_resize_params_t), NHWC, constant output size. TFLite Micro's coordinate arithmetic is
done here, per output row and column:
* nearest (GetNearestNeighbor): float32 scale in/out (or (in-1)/(out-1) with
  align_corners), position (i + 0.5 if half_pixel_centers) * scale, floor (round half
  away from zero with align_corners), clamped to [0, in-1];
* bilinear (ResizeBilinearInteger, the int8 path): 10-bit fixed-point scale
  (1024*in + out/2) / out (align_corners: (1024*(in-1) + (out-1)/2) / (out-1)), position
  i*scale (+ scale/2 - 512 with half_pixel_centers), lower = max(pos/1024, 0) and upper =
  min((pos+1023)/1024, in-1) with C's truncating division; the kernel weighs the four
  neighbours with pos - 1024*lower.
Values are not requantized (TFLite Micro does not): input and output share one
quantization."""
from __future__ import annotations

import math

import numpy as np

from ...errors import ModelError
from .. import op_options as opts
from .. import verify_movement as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import ResizeParams
from ..program import Const, Layer, LowerContext


def _cdiv(a: int, b: int) -> int:
    """C integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def nearest_index(i: int, in_size: int, out_size: int, align: bool, half: bool) -> int:
    """TFLite's GetNearestNeighbor in float32."""
    f32 = np.float32
    if align and out_size > 1:
        scale = f32(in_size - 1) / f32(out_size - 1)
    else:
        scale = f32(in_size) / f32(out_size)
    v = float((f32(i) + f32(0.5 if half else 0.0)) * scale)
    r = (math.floor(abs(v) + 0.5) * (1 if v >= 0 else -1)) if align else math.floor(v)
    r = min(int(r), in_size - 1)
    return max(0, r) if half else r


def bilinear_taps(i: int, scale_10: int, half: bool, in_size: int) -> tuple[int, int, int]:
    """(lower, upper, pos - 1024*lower) of TFLite's ComputeInterpolationValuesInteger."""
    pos = i * scale_10 + _cdiv(scale_10, 2) - 512 if half else i * scale_10
    lower = max(_cdiv(pos, 1024), 0)
    upper = min(_cdiv(pos + 1023, 1024), in_size - 1)
    return lower, upper, pos - 1024 * lower


def bilinear_scale(in_size: int, out_size: int, align: bool) -> int:
    if align and out_size > 1:
        return _cdiv(1024 * (in_size - 1) + _cdiv(out_size - 1, 2), out_size - 1)
    return _cdiv(1024 * in_size + _cdiv(out_size, 2), out_size)


def resize(low: LowerContext, op: Op) -> Layer:
    g = low.g
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    align = bool(op.options.get("align_corners"))
    half = bool(op.options.get("half_pixel_centers"))
    where = f"layer {op.index} {op.kind}"
    if len(x.shape) != 4 or len(y.shape) != 4 or x.shape[0] != y.shape[0] \
            or x.shape[3] != y.shape[3]:
        raise ModelError(f"{where}: needs 4-D NHWC input and output of one batch and depth")
    size_t = g.t(op.inputs[1]) if len(op.inputs) > 1 and op.inputs[1] >= 0 else None
    if size_t is None or not size_t.is_const:
        raise ModelError(f"{where}: the output size must be a constant tensor")
    size = [int(v) for v in np.asarray(size_t.data).reshape(-1)]
    if size != [y.shape[1], y.shape[2]]:
        raise ModelError(f"{where}: size {size} does not match the output {y.shape}")
    if x.quant is None or y.quant is None or x.scale != y.scale \
            or x.zero_point != y.zero_point:
        raise ModelError(f"{where}: input and output are quantized differently; TFLite "
                         "Micro does not requantize (reconvert the model)")
    _, in_h, in_w, c = x.shape
    out_h, out_w = size
    if op.kind == "RESIZE_BILINEAR":
        if align and half:
            raise ModelError(f"{where}: align_corners and half_pixel_centers together "
                             "(TFLite Micro refuses them)")
        sh, sw = bilinear_scale(in_h, out_h, align), bilinear_scale(in_w, out_w, align)
        ys = [v for i in range(out_h) for v in bilinear_taps(i, sh, half, in_h)]
        xs = [v for i in range(out_w) for v in bilinear_taps(i, sw, half, in_w)]
        kernel = "td_resize_bilinear_s8"
    else:
        ys = [nearest_index(i, in_h, out_h, align, half) for i in range(out_h)]
        xs = [nearest_index(i, in_w, out_w, align, half) for i in range(out_w)]
        kernel = "td_resize_nearest_s8"
    consts: list[Const] = []
    params = ResizeParams(batches=x.shape[0], in_h=in_h, in_w=in_w, c=c, out_h=out_h,
                          out_w=out_w, ys=low.const(consts, op, "ys", "int32_t", ys),
                          xs=low.const(consts, op, "xs", "int32_t", xs))
    arg = low.data_arg(consts, op, op.inputs[0], "in")
    inputs = [op.inputs[0]] if not x.is_const else []
    return Layer(index=op.index, op=op.kind, kernel=kernel, params=params, args=[arg],
                 inputs=inputs, output=op.outputs[0], consts=consts)


SPECS = (
    OpSpec("RESIZE_NEAREST_NEIGHBOR", rules.resize, resize,
           opts.parse_resize_nearest_neighbor, inputs=2, descriptor_inputs=(1,),
           kernels=("resize_nearest_s8",)),
    OpSpec("RESIZE_BILINEAR", rules.resize, resize, opts.parse_resize_bilinear, inputs=2,
           descriptor_inputs=(1,), kernels=("resize_bilinear_s8",)),
)
