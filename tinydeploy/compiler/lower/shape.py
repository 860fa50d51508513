"""Data-movement ops -> one strided copy (td_copy_nd_s8, td_copy_params_t): TRANSPOSE,
SLICE, STRIDED_SLICE, SPLIT, SPLIT_V, UNPACK, DEPTH_TO_SPACE, SPACE_TO_DEPTH, REVERSE_V2
(negative strides); GATHER with constant coordinates -> td_gather_s8; PACK -> td_concat_s8
(a concatenation along the new axis). TFLite Micro copies the int8 values unchanged, so
input and output must share one quantization (the converter gives them one; anything else
is refused).

Every op becomes "output element i = input element offset + sum(idx_d * strides_d)"
over the output's dimensions, computed here; multi-output ops (SPLIT, SPLIT_V, UNPACK)
become one copy Layer per output (Layer.part)."""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import op_options as opts
from .. import verify_movement as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import MAX_DIMS, CopyParams, GatherParams
from ..program import Const, Layer, LowerContext
from ..verify_movement import strided_slice_axis
from .concat import concat


def _err(op: Op, what: str) -> ModelError:
    return ModelError(f"layer {op.index} {op.kind}: {what}")


def _strides(shape) -> list[int]:
    out, acc = [], 1
    for d in reversed(list(shape)):
        out.append(acc)
        acc *= int(d)
    return out[::-1]


def _const_ints(low: LowerContext, op: Op, pos: int, what: str) -> list[int]:
    ti = op.inputs[pos] if pos < len(op.inputs) else -1
    if ti < 0 or not low.g.t(ti).is_const:
        raise _err(op, f"{what} must be a constant tensor")
    return [int(v) for v in np.asarray(low.g.t(ti).data).reshape(-1)]


def _same_quant(low: LowerContext, op: Op, a: int, b: int) -> None:
    x, y = low.g.t(a), low.g.t(b)
    if x.quant is None or y.quant is None or x.scale != y.scale \
            or x.zero_point != y.zero_point:
        raise _err(op, "input and output are quantized differently; TFLite Micro copies "
                       "int8 values unchanged (reconvert the model)")


def _merged(dims, strides) -> tuple[list[int], list[int]]:
    """Drop unit dimensions and merge neighbours that are contiguous in the input."""
    d2: list[int] = []
    s2: list[int] = []
    for d, s in zip(dims, strides):
        if d == 1:
            continue
        if d2 and s2[-1] == s * d:
            d2[-1] *= d
            s2[-1] = s
            continue
        d2.append(int(d))
        s2.append(int(s))
    return (d2, s2) if d2 else ([1], [1])


def copy_layer(low: LowerContext, op: Op, src: int, dst: int, dims, strides, offset: int,
               part: int | None = None) -> Layer:
    """A td_copy_nd_s8 call: dst[i over dims] = src[offset + sum(i_d * strides_d)]
    (elements; an int16 element is copied as its two bytes, one more dimension)."""
    _same_quant(low, op, src, dst)
    x, y = low.g.t(src), low.g.t(dst)
    if int(np.prod(dims, dtype=np.int64)) != y.size or y.size == 0:
        raise _err(op, f"output shape {y.shape} does not match the op's "
                       f"parameters ({list(dims)})")
    if x.dtype != y.dtype:
        raise _err(op, f"input is {x.dtype} and output {y.dtype}; TFLite Micro copies values")
    k = y.nbytes // y.size
    if k > 1:
        dims, strides = list(dims) + [k], [int(s) * k for s in strides] + [1]
        offset *= k
    d, s = _merged(dims, strides)
    if len(d) > MAX_DIMS:
        raise _err(op, f"more than {MAX_DIMS} non-contiguous dimensions")
    pad = MAX_DIMS - len(d)
    params = CopyParams(ndim=len(d), dims=d + [0] * pad, strides=s + [0] * pad,
                        offset=int(offset))
    consts: list[Const] = []
    arg = low.data_arg(consts, op, src, "in" if part is None else f"in{part}")
    inputs = [src] if not low.g.t(src).is_const else []
    return Layer(index=op.index, op=op.kind, kernel="td_copy_nd_s8", params=params,
                 args=[arg], inputs=inputs, output=dst, consts=consts, part=part)


def transpose(low: LowerContext, op: Op) -> Layer:
    x = low.g.t(op.inputs[0])
    perm = _const_ints(low, op, 1, "the permutation")
    n = len(x.shape)
    if n > 5:
        raise _err(op, f"{n}-D input; TFLite Micro's TRANSPOSE takes 1-D to 5-D")
    if sorted(perm) != list(range(n)):
        raise _err(op, f"permutation {perm} is not a permutation of 0..{n - 1}")
    st = _strides(x.shape)
    return copy_layer(low, op, op.inputs[0], op.outputs[0], [x.shape[p] for p in perm],
                      [st[p] for p in perm], 0)


def slice_op(low: LowerContext, op: Op) -> Layer:
    x = low.g.t(op.inputs[0])
    begin = _const_ints(low, op, 1, "begin")
    size = _const_ints(low, op, 2, "size")
    dims = []
    for a, (b, s) in enumerate(zip(begin, size)):
        s = x.shape[a] - b if s == -1 else s
        if b < 0 or s < 0 or b + s > x.shape[a]:
            raise _err(op, f"begin {begin} / size {size} out of range for {x.shape}")
        dims.append(s)
    st = _strides(x.shape)
    return copy_layer(low, op, op.inputs[0], op.outputs[0], dims, st,
                      sum(b * s for b, s in zip(begin, st)))


def strided_slice(low: LowerContext, op: Op) -> Layer:
    """TFLite's StridedSliceStartForAxis / StridedSliceEndForAxis, per axis
    (verify_movement.strided_slice_axis, shared with the verifier)."""
    o = op.options
    if o.get("ellipsis_mask") or o.get("new_axis_mask"):
        raise _err(op, "ellipsis_mask / new_axis_mask are not supported (TFLite Micro "
                       "ignores them); reconvert so the converter resolves them")
    if o.get("offset"):
        raise _err(op, "the 'offset' option is not supported")
    x = low.g.t(op.inputs[0])
    begin = _const_ints(low, op, 1, "begin")
    end = _const_ints(low, op, 2, "end")
    step = _const_ints(low, op, 3, "strides")
    n = len(x.shape)
    if not len(begin) == len(end) == len(step) == n:
        raise _err(op, f"begin/end/strides need {n} entries")
    st = _strides(x.shape)
    dims, strides, offset = [], [], 0
    for a in range(n):
        s = step[a]
        if s == 0:
            raise _err(op, "stride 0")
        start, count = strided_slice_axis(int(x.shape[a]), begin[a], end[a], s, a, o)
        if count == 0:
            raise _err(op, "empty slice")
        offset += start * st[a]
        if not o.get("shrink_axis_mask", 0) & (1 << a):
            dims.append(count)
            strides.append(s * st[a])
    return copy_layer(low, op, op.inputs[0], op.outputs[0], dims, strides, offset)


def reverse(low: LowerContext, op: Op) -> Layer:
    """REVERSE_V2 as TFLite Micro's reverse.cc takes it: a 1-D int32 axis list, negative
    axes counted from the end, contiguous once sorted; each reversed axis is read
    backwards."""
    x, a = low.g.t(op.inputs[0]), low.g.t(op.inputs[1])
    axes = _const_ints(low, op, 1, "the axis")
    n = len(x.shape)
    axes = sorted(v + n if v < 0 else v for v in axes)
    if a.dtype != "int32" or len(a.shape) != 1 or not axes \
            or axes != list(range(axes[0], axes[0] + len(axes))):
        raise _err(op, f"not supported yet: axes {axes} ({a.dtype}, {len(a.shape)}-D); "
                       "TFLite Micro reverses only a 1-D int32 list of contiguous axes")
    st = _strides(x.shape)
    return copy_layer(low, op, op.inputs[0], op.outputs[0], x.shape,
                      [-s if k in axes else s for k, s in enumerate(st)],
                      sum((x.shape[k] - 1) * st[k] for k in axes))


def _split_along(low: LowerContext, op: Op, data: int, axis: int) -> list[Layer]:
    x = low.g.t(data)
    axis = axis + len(x.shape) if axis < 0 else axis
    if not 0 <= axis < len(x.shape):
        raise _err(op, f"axis {axis} out of range for {x.shape}")
    st = _strides(x.shape)
    layers, start = [], 0
    for k, ti in enumerate(op.outputs):
        y = low.g.t(ti)
        if len(y.shape) != len(x.shape):
            raise _err(op, f"output {k} has rank {len(y.shape)}, input {len(x.shape)}")
        dims = list(x.shape)
        dims[axis] = y.shape[axis]
        layers.append(copy_layer(low, op, data, ti, dims, st, start * st[axis], part=k))
        start += y.shape[axis]
    if start != x.shape[axis]:
        raise _err(op, f"outputs cover {start} of {x.shape[axis]} along axis {axis}")
    return layers


def split(low: LowerContext, op: Op) -> list[Layer]:
    axis = _const_ints(low, op, 0, "the axis")[0]
    return _split_along(low, op, op.inputs[1], axis)


def split_v(low: LowerContext, op: Op) -> list[Layer]:
    axis = _const_ints(low, op, 2, "the axis")[0]
    sizes = _const_ints(low, op, 1, "size_splits")
    x = low.g.t(op.inputs[0])
    ax = axis + len(x.shape) if axis < 0 else axis
    got = [low.g.t(t).shape[ax] if 0 <= ax < len(x.shape) else -1 for t in op.outputs]
    if len(sizes) != len(got) or any(s not in (-1, g) for s, g in zip(sizes, got)):
        raise _err(op, f"size_splits {sizes} do not match the outputs {got}")
    return _split_along(low, op, op.inputs[0], axis)


def unpack(low: LowerContext, op: Op) -> list[Layer]:
    x = low.g.t(op.inputs[0])
    n = len(x.shape)
    axis = op.options.get("axis", 0)
    axis = axis + n if axis < 0 else axis
    if not 0 <= axis < n or len(op.outputs) != x.shape[axis]:
        raise _err(op, f"axis {axis} / {len(op.outputs)} outputs do not match {x.shape}")
    st = _strides(x.shape)
    dims = [d for a, d in enumerate(x.shape) if a != axis]
    strides = [s for a, s in enumerate(st) if a != axis]
    return [copy_layer(low, op, op.inputs[0], ti, dims, strides, k * st[axis], part=k)
            for k, ti in enumerate(op.outputs)]


def _block(op: Op, x, y) -> int:
    bs = op.options.get("block_size", 0)
    if bs < 1 or len(x.shape) != 4 or len(y.shape) != 4:
        raise _err(op, f"needs 4-D NHWC tensors and block_size >= 1 (got {bs})")
    return bs


def depth_to_space(low: LowerContext, op: Op) -> Layer:
    """out[b, h*bs+i, w*bs+j, c] = in[b, h, w, (i*bs+j)*C_out + c]: the output walked as
    [b][h][i][w][j][c]."""
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    bs = _block(op, x, y)
    n, h, w, cin = x.shape
    cout = cin // (bs * bs)
    dims = [n, h, bs, w, bs, cout]
    strides = [h * w * cin, w * cin, bs * cout, cin, cout, 1]
    return copy_layer(low, op, op.inputs[0], op.outputs[0], dims, strides, 0)


def space_to_depth(low: LowerContext, op: Op) -> Layer:
    """out[b, h, w, (i*bs+j)*C + c] = in[b, h*bs+i, w*bs+j, c]: the output walked as
    [b][h][w][i][j][c]."""
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    bs = _block(op, x, y)
    n, hin, win, c = x.shape
    dims = [n, hin // bs, win // bs, bs, bs, c]
    strides = [hin * win * c, bs * win * c, bs * c, win * c, c, 1]
    return copy_layer(low, op, op.inputs[0], op.outputs[0], dims, strides, 0)


def gather(low: LowerContext, op: Op) -> Layer:
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    if op.options.get("batch_dims", 0) != 0:
        raise _err(op, "batch_dims other than 0 are not supported")
    coords = _const_ints(low, op, 1, "the indices (tinydeploy takes constant indices)")
    n = len(x.shape)
    axis = op.options.get("axis", 0)
    axis = axis + n if axis < 0 else axis
    if not 0 <= axis < n:
        raise _err(op, f"axis out of range for {x.shape}")
    size = int(x.shape[axis])
    if any(c < 0 or c >= size for c in coords):
        raise _err(op, f"index out of range [0, {size}) (TFLite Micro fails on it)")
    _same_quant(low, op, op.inputs[0], op.outputs[0])
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    inner = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
    if outer * len(coords) * inner != y.size:
        raise _err(op, f"output shape {y.shape} does not match {len(coords)} indices")
    consts: list[Const] = []
    arg = low.data_arg(consts, op, op.inputs[0], "in")
    params = GatherParams(outer=outer, axis_size=size, n_coords=len(coords), inner=inner,
                          coords=low.const(consts, op, "coords", "int32_t", coords))
    inputs = [op.inputs[0]] if not x.is_const else []
    return Layer(index=op.index, op=op.kind, kernel="td_gather_s8", params=params, args=[arg],
                 inputs=inputs, output=op.outputs[0], consts=consts)


def pack(low: LowerContext, op: Op) -> Layer:
    """PACK of N inputs along `axis` = CONCATENATION along that axis of the output."""
    for ti in op.inputs:
        _same_quant(low, op, ti, op.outputs[0])
    y = low.g.t(op.outputs[0])
    axis = op.options.get("axis", 0)
    if not -len(y.shape) <= axis < len(y.shape):
        raise _err(op, f"axis {axis} out of range for {y.shape}")
    return concat(low, Op(op.index, op.kind, list(op.inputs), list(op.outputs),
                          {"axis": axis, "activation": "NONE"}))


SPECS = (
    OpSpec("TRANSPOSE", rules.transpose, transpose, inputs=2, descriptor_inputs=(1,),
           kernels=("copy_nd_s8",), int16=True),
    OpSpec("STRIDED_SLICE", rules.strided_slice, strided_slice, opts.parse_strided_slice,
           inputs=4, descriptor_inputs=(1, 2, 3), kernels=("copy_nd_s8",), int16=True),
    OpSpec("SLICE", rules.slice_op, slice_op, inputs=3, descriptor_inputs=(1, 2),
           kernels=("copy_nd_s8",), int16=True),
    OpSpec("SPLIT", rules.split, split, opts.parse_split, inputs=2, descriptor_inputs=(0,),
           kernels=("copy_nd_s8",), int16=True),
    OpSpec("SPLIT_V", rules.split_v, split_v, opts.parse_split_v, inputs=3,
           descriptor_inputs=(1, 2), kernels=("copy_nd_s8",), int16=True),
    OpSpec("PACK", rules.pack, pack, opts.parse_pack, kernels=("concat_s8",)),
    OpSpec("UNPACK", rules.unpack, unpack, opts.parse_unpack, kernels=("copy_nd_s8",)),
    OpSpec("GATHER", rules.gather, gather, opts.parse_gather, inputs=2, descriptor_inputs=(1,),
           kernels=("gather_s8",)),
    OpSpec("DEPTH_TO_SPACE", rules.depth_to_space, depth_to_space, opts.parse_depth_to_space,
           kernels=("copy_nd_s8",)),
    OpSpec("SPACE_TO_DEPTH", rules.space_to_depth, space_to_depth, opts.parse_space_to_depth,
           kernels=("copy_nd_s8",)),
    OpSpec("REVERSE_V2", rules.reverse, reverse, inputs=2, descriptor_inputs=(1,),
           kernels=("copy_nd_s8",)),
)
