"""Lowering of element-wise, normalisation and data-movement ops (see lower.py)."""
from __future__ import annotations

import numpy as np

from . import kernel_layout as kl
from . import quant
from .errors import ModelError
from .ir import Op
from .program import Const, Layer, LowerContext

MAX_DIMS = 6


def _broadcast_strides(in_shape, out_shape) -> list[int]:
    shape = (1,) * (len(out_shape) - len(in_shape)) + tuple(in_shape)
    strides, acc = [0] * len(shape), 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = 0 if shape[d] == 1 and out_shape[d] != 1 else acc
        acc *= shape[d]
    return strides


def _merge_dims(dims, s1, s2):
    """Merge neighbouring dimensions that are contiguous in both inputs (or broadcast in
    both): the same element order, fewer odometer steps and longer inner runs."""
    dims, s1, s2 = list(dims), list(s1), list(s2)
    d = len(dims) - 2
    while d >= 0:
        if s1[d] == s1[d + 1] * dims[d + 1] and s2[d] == s2[d + 1] * dims[d + 1]:
            dims[d:d + 2] = [dims[d] * dims[d + 1]]
            s1[d:d + 2] = [s1[d + 1]]
            s2[d:d + 2] = [s2[d + 1]]
        d -= 1
    return dims, s1, s2


def _srdhm(a: int, b: int) -> int:
    """gemmlowp SaturatingRoundingDoublingHighMul (td_srdhm)."""
    if a == b == -(1 << 31):
        return (1 << 31) - 1
    ab = a * b
    num = ab + ((1 << 30) if ab >= 0 else 1 - (1 << 30))
    return num // (1 << 31) if num >= 0 else -((-num) // (1 << 31))


def _rdbpot(x: int, e: int) -> int:
    """gemmlowp RoundingDivideByPOT (td_rdbpot)."""
    mask = (1 << e) - 1
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if (x & mask) > threshold else 0)


def _add_lut(offset: int, left_shift: int, mult: int, shift: int) -> list[int]:
    """An ADD input's scaled value for each int8 value -128..127, as the reference kernel
    computes it (td_add_s8.c add_ref)."""
    return [_rdbpot(_srdhm((v + offset) << left_shift, mult), -shift) for v in range(-128, 128)]


def binary(low: LowerContext, op: Op) -> Layer:
    """ADD / MUL with TFLM's Prepare arithmetic and N-D broadcasting."""
    g = low.g
    a, b, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    out_shape = tuple(y.shape)
    if len(out_shape) > MAX_DIMS:
        raise ModelError(f"layer {op.index} {op.kind}: {len(out_shape)}-D broadcast; at most "
                         f"{MAX_DIMS} dimensions are supported")
    consts: list[Const] = []
    act_min, act_max = low.act(op, y)
    p = dict(size=y.size, ndim=0, dims=[0] * MAX_DIMS, strides1=[0] * MAX_DIMS,
             strides2=[0] * MAX_DIMS, in1_offset=-a.zero_point, in2_offset=-b.zero_point,
             out_offset=y.zero_point, left_shift=0, in1_mult=0, in1_shift=0, in2_mult=0,
             in2_shift=0, out_mult=0, out_shift=0, act_min=act_min, act_max=act_max,
             lut=None, out_rq=[0, 0, 0, 0])
    if tuple(a.shape) != out_shape or tuple(b.shape) != out_shape:
        if a.size == y.size and b.size == y.size:
            pass  # same element count, only rank differs: flat loop is exact
        else:
            dims, s1, s2 = _merge_dims(out_shape, _broadcast_strides(a.shape, out_shape),
                                       _broadcast_strides(b.shape, out_shape))
            nd = len(dims)
            p["ndim"] = nd
            p["dims"][:nd] = dims
            p["strides1"][:nd] = s1
            p["strides2"][:nd] = s2
    if op.kind == "ADD":
        left_shift = 20
        twice_max = 2 * float(max(np.float32(a.scale), np.float32(b.scale)))
        p["left_shift"] = left_shift
        p["in1_mult"], p["in1_shift"] = quant.quantize_multiplier(float(a.scale) / twice_max)
        p["in2_mult"], p["in2_shift"] = quant.quantize_multiplier(float(b.scale) / twice_max)
        p["out_mult"], p["out_shift"] = quant.quantize_multiplier(
            twice_max / ((1 << left_shift) * float(y.scale)))
        rq = kl.requant_table([p["out_mult"]], [p["out_shift"]], p["out_offset"])
        if rq is not None and p["in1_shift"] <= 0 and p["in2_shift"] <= 0:
            # td_add_s8 fast path: both inputs' scaled values by table, one-step output
            # requantization of their sum (the reference arithmetic, exactly)
            lut = (_add_lut(p["in1_offset"], left_shift, p["in1_mult"], p["in1_shift"])
                   + _add_lut(p["in2_offset"], left_shift, p["in2_mult"], p["in2_shift"]))
            p["lut"] = low.const(consts, op, "lut", "int32_t", np.asarray(lut, np.int64))
            p["out_rq"] = [int(v) for v in rq]
        kernel = "td_add_s8"
    else:
        p["out_mult"], p["out_shift"] = quant.quantize_multiplier(
            float(a.scale) * float(b.scale) / float(y.scale))
        kernel = "td_mul_s8"
    args = [low.data_arg(consts, op, op.inputs[0], "in1"), low.data_arg(consts, op, op.inputs[1], "in2")]
    inputs = [t for kind, t in args if kind == "t"]
    # Element i of the output reads only element i of a same-shaped input: safe in place.
    inplace = [t for t in inputs if g.t(t).size == y.size]
    return Layer(op.index, op.kind, kernel, "td_binary_params_t", p, args, inputs,
                 op.outputs[0], consts, inplace=inplace)


def _unary(op: Op, kernel: str, ptype: str, params: dict, inplace: bool = False) -> Layer:
    """inplace: the kernel reads element i (or, for softmax, row i) before writing it."""
    return Layer(op.index, op.kind, kernel, ptype, params, [("t", op.inputs[0])],
                 [op.inputs[0]], op.outputs[0], inplace=[op.inputs[0]] if inplace else [])


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
    return _unary(op, "td_softmax_s8", "td_softmax_params_t",
                  dict(outer=x.size // depth, depth=depth, in_mult=mult, in_left_shift=left,
                       diff_min=-quant.input_radius(5, left)), inplace=True)


def logistic(low: LowerContext, op: Op) -> Layer:
    import math
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    _check_unit_output(op, y)
    real = float(x.scale) * float(1 << (31 - 4))
    q, left = math.frexp(real)
    mult = quant.round_half_away(q * (1 << 31))
    return _unary(op, "td_logistic_s8", "td_logistic_params_t",
                  dict(size=x.size, in_zp=x.zero_point, range_radius=quant.input_radius(4, left),
                       in_mult=mult, in_left_shift=left), inplace=True)


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
    return _unary(op, "td_mean_s8", "td_mean_params_t",
                  dict(outer=outer, reduce=reduce, inner=inner, in_zp=x.zero_point,
                       out_zp=y.zero_point, mult=mult, shift=shift - fold))


def pad(low: LowerContext, op: Op) -> Layer:
    g = low.g
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    pads_t = g.t(op.inputs[1])
    if pads_t.data is None:
        raise ModelError(f"layer {op.index} {op.kind}: paddings must be constant")
    pads = pads_t.data.reshape(-1, 2).astype(np.int64)
    if len(x.shape) > 4:
        raise ModelError(f"layer {op.index} {op.kind}: more than 4 dimensions")
    if x.scale != y.scale or x.zero_point != y.zero_point:
        raise ModelError(f"layer {op.index} {op.kind}: input and output quantization differ")
    lead = 4 - len(x.shape)
    in_dims = [1] * lead + list(x.shape)
    out_dims = [1] * lead + list(y.shape)
    before = [0] * lead + [int(p[0]) for p in pads]
    value = y.zero_point
    if op.kind == "PADV2" and len(op.inputs) > 2 and op.inputs[2] >= 0:
        cv = g.t(op.inputs[2]).data
        if cv is None:
            raise ModelError(f"layer {op.index} PADV2: constant value must be constant")
        value = int(cv.reshape(-1)[0])
    return _unary(op, "td_pad_s8", "td_pad_params_t",
                  dict(in_dims=in_dims, out_dims=out_dims, before=before, value=value))


def concat(low: LowerContext, op: Op) -> Layer:
    g = low.g
    y = g.t(op.outputs[0])
    nd = len(y.shape)
    axis = op.options.get("axis", 0) % nd
    if op.options.get("activation", "NONE") != "NONE":
        raise ModelError(f"layer {op.index} CONCATENATION: fused activation not supported")
    consts: list[Const] = []
    args, inner = [], []
    for k, ti in enumerate(op.inputs):
        t = g.t(ti)
        if t.scale != y.scale or t.zero_point != y.zero_point:
            raise ModelError(f"layer {op.index} CONCATENATION: input {k} is quantized "
                             "differently from the output; TFLite Micro requires equal "
                             "quantization (reconvert the model)")
        inner.append(int(np.prod(t.shape[axis:], dtype=np.int64)))
        args.append(low.data_arg(consts, op, ti, f"in{k}"))
    outer = int(np.prod(y.shape[:axis], dtype=np.int64))
    params = dict(outer=outer, n_inputs=len(args),
                  in_inner=low.const(consts, op, "inner", "int32_t", inner))
    inputs = [t for kind, t in args if kind == "t"]
    return Layer(op.index, op.kind, "td_concat_s8", "td_concat_params_t", params,
                 [("list", args)], inputs, op.outputs[0], consts)


def requantize(low: LowerContext, op: Op) -> Layer:
    """QUANTIZE (int8 -> int8), RELU and RELU6: out_zp + MBQM(x - in_zp), clamped.

    RELU6 follows TFLite's reference kernel, not TFLite Micro: TFLite Micro clamps in the
    input's quantization and ignores a different output scale, which is far from the float
    model when the converter gives RELU6 its own output range (see docs/architecture.md).
    Where the scales agree both give the same bytes.
    """
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    mult, shift = quant.quantize_multiplier(float(x.scale) / float(y.scale))
    lo, hi = quant.INT8_MIN, quant.INT8_MAX
    if op.kind in ("RELU", "RELU6"):
        lo, hi = quant.activation_range(op.kind, y.scale, y.zero_point)
    return _unary(op, "td_requantize_s8", "td_requant_params_t",
                  dict(size=x.size, in_zp=x.zero_point, out_zp=y.zero_point, mult=mult,
                       shift=shift, act_min=lo, act_max=hi), inplace=True)
