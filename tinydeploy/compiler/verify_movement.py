"""Verifier rules (verify_ops.py) of the data-movement ops: TRANSPOSE, SLICE,
STRIDED_SLICE, SPLIT, SPLIT_V, PACK, UNPACK, GATHER, DEPTH_TO_SPACE, SPACE_TO_DEPTH,
RESIZE_*, REVERSE_V2; and `strided_slice_axis`, the per-axis arithmetic the STRIDED_SLICE
lowering shares. Run-time descriptors (begin, perm, axis... not constant) are left to the
lowering, which refuses them.
"""
from __future__ import annotations

from .ir import Graph, Op
from .verify_ops import axes_in_range, const_ints, expect_shape, expect_size, shape_of


def _clamp(v: int, lo: int, hi: int) -> int:
    return hi if v > hi else lo if v < lo else v


def strided_slice_axis(size: int, begin: int, end: int, step: int, axis: int,
                       o: dict) -> tuple[int, int]:
    """(start, count) of one axis: TFLite's StridedSliceStartForAxis and
    StridedSliceEndForAxis (masks are bit `axis` of the options' masks); step != 0."""
    start = begin + size if begin < 0 else begin
    start = _clamp(start, 0, size) if step > 0 else _clamp(start, -1, size - 1)
    if o.get("begin_mask", 0) & (1 << axis):
        start = 0 if step > 0 else size - 1
    if o.get("shrink_axis_mask", 0) & (1 << axis):
        stop = start if start >= size else start + 1
    else:
        stop = end + size if end < 0 else end
        stop = _clamp(stop, 0, size) if step > 0 else _clamp(stop, -1, size - 1)
        if o.get("end_mask", 0) & (1 << axis):
            stop = size if step > 0 else -1
    return start, len(range(start, stop, step))


def strided_slice(g: Graph, op: Op) -> list[str]:
    o = op.options
    if o.get("ellipsis_mask") or o.get("new_axis_mask") or o.get("offset"):
        return []                     # lowering refuses them
    x = shape_of(g, op.inputs[0])
    begin, end, step = (const_ints(g, op.inputs[k]) for k in (1, 2, 3))
    if begin is None or end is None or step is None or \
            not len(begin) == len(end) == len(step) == len(x):
        return []
    if 0 in step:
        return ["stride 0"]
    want = [strided_slice_axis(int(x[a]), begin[a], end[a], step[a], a, o)[1]
            for a in range(len(x)) if not o.get("shrink_axis_mask", 0) & (1 << a)]
    return expect_size(g, op.outputs[0], want)


def transpose(g: Graph, op: Op) -> list[str]:
    x, perm = shape_of(g, op.inputs[0]), const_ints(g, op.inputs[1])
    if perm is None:
        return []
    if sorted(perm) != list(range(len(x))):
        return [f"permutation {perm} is not one of a {len(x)}-D input's axes"]
    return expect_size(g, op.outputs[0], [x[p] for p in perm])


def reverse(g: Graph, op: Op) -> list[str]:
    """REVERSE_V2: axes in range, the output the input's shape. Axes TFLite Micro cannot
    reverse (none, repeated, not contiguous) are left to the lowering, which refuses them
    as not supported."""
    x, axes = shape_of(g, op.inputs[0]), const_ints(g, op.inputs[1])
    bad = axes_in_range(axes, len(x)) if axes is not None else []
    return bad or expect_size(g, op.outputs[0], x)


def slice_op(g: Graph, op: Op) -> list[str]:
    x = shape_of(g, op.inputs[0])
    begin, size = const_ints(g, op.inputs[1]), const_ints(g, op.inputs[2])
    if begin is None or size is None or not len(begin) == len(size) == len(x):
        return []
    want = [d - b if s == -1 else s for d, b, s in zip(x, begin, size)]
    if any(b < 0 or s < 0 or b + s > d for d, b, s in zip(x, begin, want)):
        return [f"begin {begin} / size {size} out of range for {list(x)}"]
    return expect_size(g, op.outputs[0], want)


def _split_outputs(g: Graph, op: Op, data: int, axis: int) -> list[str]:
    """The outputs are the input cut along `axis`: its shape elsewhere, sizes summing up."""
    x = shape_of(g, data)
    bad = axes_in_range([axis], len(x))
    if bad:
        return bad
    a = axis % len(x)
    total = 0
    for k, ti in enumerate(op.outputs):
        y = shape_of(g, ti)
        if len(y) != len(x) or y[:a] + y[a + 1:] != x[:a] + x[a + 1:]:
            return [f"output {k} {list(y)} is not a part of the input {list(x)} along axis {a}"]
        total += y[a]
    return expect_shape((total,), (x[a],), f"outputs' sizes along axis {a} add up to")


def split(g: Graph, op: Op) -> list[str]:
    axis = const_ints(g, op.inputs[0])
    return [] if axis is None else _split_outputs(g, op, op.inputs[1], axis[0])


def split_v(g: Graph, op: Op) -> list[str]:
    sizes, axis = const_ints(g, op.inputs[1]), const_ints(g, op.inputs[2])
    if sizes is None or axis is None:
        return []
    out = _split_outputs(g, op, op.inputs[0], axis[0])
    if out:
        return out
    a = axis[0] % len(shape_of(g, op.inputs[0]))
    got = [shape_of(g, t)[a] for t in op.outputs]
    if len(sizes) != len(got) or any(s not in (-1, n) for s, n in zip(sizes, got)):
        return [f"size_splits {sizes} do not match the outputs {got}"]
    return []


def pack(g: Graph, op: Op) -> list[str]:
    """N inputs of one shape -> that shape with N inserted at `axis`."""
    shapes = [shape_of(g, x) for x in op.inputs]
    if any(s != shapes[0] for s in shapes):
        return [f"inputs differ in shape: {[list(s) for s in shapes]}"]
    axis, rank = op.options.get("axis", 0), len(shapes[0]) + 1
    if not -rank <= axis < rank:
        return [f"axis {axis} of a {rank}-D output"]
    a = axis % rank
    return expect_size(g, op.outputs[0], shapes[0][:a] + (len(shapes),) + shapes[0][a:])


def unpack(g: Graph, op: Op) -> list[str]:
    """One output per index along `axis`, each the input without that axis."""
    x, axis = shape_of(g, op.inputs[0]), op.options.get("axis", 0)
    bad = axes_in_range([axis], len(x))
    if bad:
        return bad
    a = axis % len(x)
    if len(op.outputs) != x[a]:
        return [f"{len(op.outputs)} outputs for {x[a]} values along axis {a}"]
    return [p for k, y in enumerate(op.outputs)
            for p in expect_size(g, y, x[:a] + x[a + 1:], f"output {k}")]


def gather(g: Graph, op: Op) -> list[str]:
    """The input with its `axis` dimension replaced by the indices' shape."""
    if op.options.get("batch_dims", 0) != 0:
        return []                     # lowering refuses them
    x, idx = shape_of(g, op.inputs[0]), shape_of(g, op.inputs[1])
    axis = op.options.get("axis", 0)
    bad = axes_in_range([axis], len(x))
    if bad:
        return bad
    a = axis % len(x)
    return expect_size(g, op.outputs[0], x[:a] + idx + x[a + 1:])


def _block(op: Op, x: tuple[int, ...]) -> list[str]:
    bs = op.options.get("block_size", 0)
    if bs < 1:
        return [f"block size {bs} (must be at least 1)"]
    return [] if len(x) == 4 else [f"input must be 4-D (NHWC), is {list(x)}"]


def depth_to_space(g: Graph, op: Op) -> list[str]:
    x = shape_of(g, op.inputs[0])
    bad = _block(op, x)
    if bad:
        return bad
    bs = op.options["block_size"]
    n, h, w, c = x
    if c % (bs * bs):
        return [f"depth {c} is not a multiple of the block size {bs} squared"]
    return expect_size(g, op.outputs[0], (n, h * bs, w * bs, c // (bs * bs)))


def space_to_depth(g: Graph, op: Op) -> list[str]:
    x = shape_of(g, op.inputs[0])
    bad = _block(op, x)
    if bad:
        return bad
    bs = op.options["block_size"]
    n, h, w, c = x
    if h % bs or w % bs:
        return [f"height {h} and width {w} are not multiples of the block size {bs}"]
    return expect_size(g, op.outputs[0], (n, h // bs, w // bs, c * bs * bs))


def resize(g: Graph, op: Op) -> list[str]:
    """RESIZE_*: [n, h, w, c] -> [n, size[0], size[1], c]."""
    x, size = shape_of(g, op.inputs[0]), const_ints(g, op.inputs[1])
    if size is None:
        return []                     # lowering refuses a run-time size
    if len(x) != 4 or len(size) != 2:
        return [f"needs a 4-D input and 2 sizes, has {list(x)} and {size}"]
    return expect_shape(shape_of(g, op.outputs[0]), (x[0], size[0], size[1], x[3]))
