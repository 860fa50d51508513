"""MEAN, SUM, REDUCE_MAX over any axes -> td_mean_s8 / td_sum_s8 / td_reduce_max_s8
(td_reduce_params_t), with TFLite Micro's Prepare arithmetic (reduce_common.cc,
reference reduce.h QuantizedMeanOrSum):
- MEAN: QuantizeMultiplier(in_scale / out_scale) with 1/count folded in
  (shift = min(floor(log2 count), 32, 31 + shift); mult = (mult << shift) / count), also
  when input and output share one quantization (tflite_micro 0.dev20261023 requantizes
  then too; the plain truncating integer mean of older TFLM sources differs by 1 LSB);
- SUM: the same multiplier without the fold;
- REDUCE_MAX: raw maximum; TFLite Micro refuses different input/output quantization.
Axes may be negative and repeated; keep_dims only changes the output shape, never the
element order, so the kernel does not see it."""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import op_options as opts
from .. import quant
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import MAX_DIMS, ReduceParams
from ..program import Layer, LowerContext

KERNELS = {"MEAN": "td_mean_s8", "SUM": "td_sum_s8", "REDUCE_MAX": "td_reduce_max_s8"}


def resolve_axes(op: Op, axes_data, ndim: int) -> set[int]:
    """TFLite's ResolveAxis: negative axes count from the end, duplicates collapse."""
    axes = set()
    for a in np.asarray(axes_data).reshape(-1):
        a = int(a)
        if not -ndim <= a < ndim:
            raise ModelError(f"layer {op.index} {op.kind}: axis {a} is out of range for a "
                             f"{ndim}-D input")
        axes.add(a % ndim)
    return axes


def reduce_groups(shape, axes: set[int]) -> list[tuple[int, bool, int]]:
    """(size, reduced, input stride) of the input's dimensions with size-1 dimensions
    dropped and neighbours of the same kind merged, outermost first."""
    groups: list[list] = []
    for d, n in enumerate(shape):
        if n == 1:
            continue
        red = d in axes
        if groups and groups[-1][1] == red:
            groups[-1][0] *= int(n)
        else:
            groups.append([int(n), red])
    out, stride = [], 1
    for n, red in reversed(groups):
        out.append((n, red, stride))
        stride *= n
    return list(reversed(out))


def reduce(low: LowerContext, op: Op) -> Layer:
    g = low.g
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    axes_t = g.t(op.inputs[1])
    if axes_t.data is None:
        raise ModelError(f"layer {op.index} {op.kind}: axes must be constant")
    axes = resolve_axes(op, axes_t.data, len(x.shape))
    groups = reduce_groups(x.shape, axes)
    kept = [(n, s) for n, red, s in groups if not red]
    red = [(n, s) for n, red, s in groups if red]
    if len(kept) > MAX_DIMS or len(red) > MAX_DIMS:
        raise ModelError(f"layer {op.index} {op.kind}: at most {MAX_DIMS} dimensions are "
                         "supported")
    count = int(np.prod([n for n, _ in red], dtype=np.int64))
    if int(np.prod([n for n, _ in kept], dtype=np.int64)) != y.size:
        raise ModelError(f"layer {op.index} {op.kind}: output shape {tuple(y.shape)} does "
                         f"not match reducing {tuple(x.shape)} over axes {sorted(axes)}")
    mult, shift = 0, 0
    if op.kind == "REDUCE_MAX":
        if np.float32(x.scale) != np.float32(y.scale) or x.zero_point != y.zero_point:
            raise ModelError(f"layer {op.index} REDUCE_MAX: input and output quantization "
                             "differ; TFLite Micro supports int8 REDUCE_MAX only with equal "
                             "scales and zero points (re-convert the model)")
    else:
        mult, shift = quant.quantize_multiplier(float(x.scale) / float(y.scale))
        if op.kind == "MEAN":
            fold = min(count.bit_length() - 1, 32, 31 + shift)
            mult = (mult << fold) // count
            shift -= fold

    def pad(v):
        return v + [0] * (MAX_DIMS - len(v))
    return low.unary(op, KERNELS[op.kind], ReduceParams(
        out_size=y.size, n_kept=len(kept), kept_dims=pad([n for n, _ in kept]),
        kept_strides=pad([s for _, s in kept]), n_red=len(red),
        red_dims=pad([n for n, _ in red]), red_strides=pad([s for _, s in red]), count=count,
        in_zp=x.zero_point, out_zp=y.zero_point, mult=mult, shift=shift))


SPECS = tuple(OpSpec(name, rules.reduce, reduce, opts.parse_reducer, inputs=2,
                     descriptor_inputs=(1,), kernels=(kernel.removeprefix("td_"),))
              for name, kernel in KERNELS.items())
