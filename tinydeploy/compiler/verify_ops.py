"""Per-op rules of the model verifier (verify.py): options valid for the op and consistent
with the shapes, and the output shape what the op computes from its inputs, as TFLite's
Prepare functions require. A rule is a function (graph, op) -> [problem, ...]; each op's
record (opspec.OpSpec.verify) names its rule. Where TFLite Micro uses only the output's
element count (and tinydeploy's lowering checks no more), the rule compares that count.
Data-movement ops' rules are in verify_movement.py.
"""
from __future__ import annotations

import numpy as np

from .ir import Graph, Op

_WINDOW_MAX = 1 << 15            # strides, dilations and filter sizes beyond this are noise


def _window_out(padding: str, size: int, k: int, stride: int, dil: int) -> int:
    """TFLite's ComputeOutSize."""
    eff = (k - 1) * dil + 1
    if padding == "SAME":
        return (size + stride - 1) // stride
    return (size - eff + stride) // stride


def _window(o: dict, keys: tuple[str, ...]) -> list[str]:
    out = []
    if o.get("padding") not in ("SAME", "VALID"):
        out.append(f"padding {o.get('padding')} is neither SAME nor VALID")
    for k in keys:
        v = o.get(k)
        if not isinstance(v, int) or not 1 <= v <= _WINDOW_MAX:
            out.append(f"{k.replace('_', ' ')} {v} (must be 1..{_WINDOW_MAX})")
    return out


def shape_of(g: Graph, x: int) -> tuple[int, ...]:
    return tuple(g.t(x).shape)


def expect_shape(got, want, what="output shape") -> list[str]:
    return [] if tuple(got) == tuple(want) else [f"{what} {list(got)}, the op computes {list(want)}"]


def conv(g: Graph, op: Op) -> list[str]:
    o = op.options
    out = _window(o, ("stride_h", "stride_w", "dilation_h", "dilation_w"))
    x, w, y = shape_of(g, op.inputs[0]), shape_of(g, op.inputs[1]), shape_of(g, op.outputs[0])
    if len(x) != 4 or len(w) != 4 or len(y) != 4:
        return out + [f"input, filter and output must be 4-D, are {list(x)}, {list(w)}, {list(y)}"]
    if out:
        return out
    n, ih, iw, ic = x
    if op.kind == "DEPTHWISE_CONV_2D":
        _, kh, kw, oc = w
        if oc % ic:
            return [f"{oc} output channels are not a multiple of the {ic} input channels"]
        dm = o.get("depth_multiplier", 0)
        if dm not in (0, oc // ic):
            out.append(f"depth multiplier {dm} does not match {ic} -> {oc} channels")
    else:
        oc, kh, kw, fc = w
        if ic % fc or oc % (ic // fc):
            return [f"input depth {ic} does not divide into groups of the filter depth {fc}"]
    if len(op.inputs) > 2 and op.inputs[2] >= 0 and g.t(op.inputs[2]).size != oc:
        out.append(f"bias has {g.t(op.inputs[2]).size} values for {oc} output channels")
    oh = _window_out(o["padding"], ih, kh, o["stride_h"], o["dilation_h"])
    ow = _window_out(o["padding"], iw, kw, o["stride_w"], o["dilation_w"])
    if oh < 1 or ow < 1:
        return out + [f"the {kh}x{kw} filter (dilation {o['dilation_h']}x{o['dilation_w']}) "
                      f"does not fit the {ih}x{iw} input"]
    return out + expect_shape(y, (n, oh, ow, oc))


def pool(g: Graph, op: Op) -> list[str]:
    o = op.options
    out = _window(o, ("stride_h", "stride_w", "filter_h", "filter_w"))
    x, y = shape_of(g, op.inputs[0]), shape_of(g, op.outputs[0])
    if len(x) != 4 or len(y) != 4:
        return out + [f"input and output must be 4-D, are {list(x)}, {list(y)}"]
    if out:
        return out
    n, ih, iw, c = x
    oh = _window_out(o["padding"], ih, o["filter_h"], o["stride_h"], 1)
    ow = _window_out(o["padding"], iw, o["filter_w"], o["stride_w"], 1)
    if oh < 1 or ow < 1:
        return [f"the {o['filter_h']}x{o['filter_w']} filter does not fit the {ih}x{iw} input"]
    return expect_shape(y, (n, oh, ow, c))


def fully_connected(g: Graph, op: Op) -> list[str]:
    x, w, y = g.t(op.inputs[0]), shape_of(g, op.inputs[1]), g.t(op.outputs[0])
    if len(w) != 2:
        return [f"weights must be 2-D [units, depth], are {list(w)}"]
    units, depth = w
    if x.size % depth:
        return [f"input of {x.size} values is not a whole number of rows of {depth}"]
    out = []
    if len(op.inputs) > 2 and op.inputs[2] >= 0 and g.t(op.inputs[2]).size != units:
        out.append(f"bias has {g.t(op.inputs[2]).size} values for {units} units")
    if op.options.get("keep_num_dims"):
        return out + expect_shape(y.shape, tuple(x.shape[:-1]) + (units,))
    if y.size != x.size // depth * units or (y.shape and y.shape[-1] != units):
        out.append(f"output shape {list(y.shape)} does not hold {x.size // depth} rows of "
                   f"{units} units")
    return out


def broadcast(g: Graph, op: Op) -> list[str]:
    a, b, y = shape_of(g, op.inputs[0]), shape_of(g, op.inputs[1]), g.t(op.outputs[0])
    try:
        want = np.broadcast_shapes(a, b)
    except ValueError:
        return [f"inputs {list(a)} and {list(b)} do not broadcast"]
    if int(np.prod(want, dtype=np.int64)) != y.size:
        return [f"output shape {list(y.shape)}, the inputs broadcast to {list(want)}"]
    return []


def same_shape(g: Graph, op: Op) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    return [] if x.size == y.size else [f"output {list(y.shape)} is not the input's size "
                                        f"{list(x.shape)}"]


def softmax(g: Graph, op: Op) -> list[str]:
    beta = op.options.get("beta", 1.0)
    out = [] if np.isfinite(beta) and 0 < beta < 1e6 else [f"beta {beta} (must be positive)"]
    return out + same_shape(g, op)


def concat(g: Graph, op: Op) -> list[str]:
    y = shape_of(g, op.outputs[0])
    axis = op.options.get("axis", 0)
    if not -len(y) <= axis < len(y):
        return [f"axis {axis} of a {len(y)}-D output"]
    axis %= len(y)
    shapes = [shape_of(g, x) for x in op.inputs]
    if any(len(s) != len(y) for s in shapes):
        return ["inputs and output differ in rank"]
    for k, s in enumerate(shapes):
        if s[:axis] + s[axis + 1:] != y[:axis] + y[axis + 1:]:
            return [f"input {k} {list(s)} does not match the output {list(y)} off axis {axis}"]
    return expect_shape((sum(s[axis] for s in shapes),), (y[axis],), f"output size on axis {axis}")


def pad(g: Graph, op: Op) -> list[str]:
    x, p, y = shape_of(g, op.inputs[0]), g.t(op.inputs[1]), shape_of(g, op.outputs[0])
    if p.data is None:
        return []                 # lowering refuses run-time paddings
    if p.size != 2 * len(x):
        return [f"paddings hold {p.size} values for a {len(x)}-D input"]
    pads = p.data.reshape(-1, 2).astype(np.int64)
    if np.any(pads < 0):
        return ["negative padding"]
    return expect_shape(y, tuple(int(d + a + b) for d, (a, b) in zip(x, pads)))


def const_ints(g: Graph, x: int) -> list[int] | None:
    """The values of constant input tensor `x` (None: computed at run time or left out)."""
    if x < 0 or not g.t(x).is_const:
        return None
    return [int(v) for v in np.asarray(g.t(x).data).reshape(-1)]


def expect_size(g: Graph, y: int, want, what: str = "output") -> list[str]:
    """The output holds as many values as the op computes (the shape `want`)."""
    n = int(np.prod(want, dtype=np.int64))
    t = g.t(y)
    return [] if t.size == n else [f"{what} shape {list(t.shape)} holds {t.size} values, "
                                   f"the op computes {list(want)}"]


def axes_in_range(axes: list[int], ndim: int) -> list[str]:
    """TFLite's ResolveAxis: an axis counts from the end when negative."""
    return [f"axis {a} is out of range for a {ndim}-D input" for a in axes
            if not -ndim <= a < ndim][:1]


def reduce(g: Graph, op: Op) -> list[str]:
    """MEAN, SUM, REDUCE_MAX: the output keeps the dimensions not reduced (as 1 with
    keep_dims)."""
    x, axes = shape_of(g, op.inputs[0]), const_ints(g, op.inputs[1])
    if axes is None:
        return []                     # lowering refuses run-time axes
    bad = axes_in_range(axes, len(x))
    if bad:
        return bad
    red = {a % len(x) for a in axes}
    keep = op.options.get("keep_dims", False)
    want = [1 if d in red else n for d, n in enumerate(x) if keep or d not in red]
    return expect_size(g, op.outputs[0], want)


def arg_minmax(g: Graph, op: Op) -> list[str]:
    """ARG_MAX, ARG_MIN: the input's shape without the axis."""
    x, axis = shape_of(g, op.inputs[0]), const_ints(g, op.inputs[1])
    if axis is None or len(axis) != 1:
        return []                     # lowering refuses run-time or several axes
    bad = axes_in_range(axis, len(x))
    if bad:
        return bad
    a = axis[0] % len(x)
    return expect_size(g, op.outputs[0], x[:a] + x[a + 1:])


def transpose_conv(g: Graph, op: Op) -> list[str]:
    """TRANSPOSE_CONV (output shape, weights, input[, bias]): the output has the input's
    batch and the filter's output channels. Its height and width are the model's to
    choose (the converter's output padding): TFLite Micro takes them from the output
    tensor and ignores input 0 (the lowering refuses a constant one that disagrees)."""
    out = _window(op.options, ("stride_h", "stride_w"))
    w, x, y = shape_of(g, op.inputs[1]), shape_of(g, op.inputs[2]), shape_of(g, op.outputs[0])
    if len(x) != 4 or len(w) != 4 or len(y) != 4:
        return out + [f"input, filter and output must be 4-D, are {list(x)}, {list(w)}, {list(y)}"]
    if w[3] != x[3]:
        out.append(f"filter depth {w[3]} differs from the input depth {x[3]}")
    if len(op.inputs) > 3 and op.inputs[3] >= 0 and g.t(op.inputs[3]).size != w[0]:
        out.append(f"bias has {g.t(op.inputs[3]).size} values for {w[0]} output channels")
    return out + expect_shape((y[0], y[3]), (x[0], w[0]), "output batch and channels")


def batch_matmul(g: Graph, op: Op) -> list[str]:
    """BATCH_MATMUL: [batch..., rows, depth] x [batch..., depth, cols] (adj_x / adj_y
    transpose the last two dimensions) -> [broadcast batch..., rows, cols]."""
    a, b = shape_of(g, op.inputs[0]), shape_of(g, op.inputs[1])
    if len(a) < 2 or len(b) < 2:
        return [f"operands must be at least 2-D, are {list(a)}, {list(b)}"]
    rows, depth = a[-2:][::-1] if op.options.get("adj_x") else a[-2:]
    r_depth, cols = b[-2:][::-1] if op.options.get("adj_y") else b[-2:]
    if r_depth != depth:
        return [f"depth {depth} of {list(a)} differs from {r_depth} of {list(b)}"]
    try:
        batch = np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        return [f"batch dimensions of {list(a)} and {list(b)} do not broadcast"]
    return expect_shape(shape_of(g, op.outputs[0]), tuple(batch) + (rows, cols))


def _blocks(g: Graph, op: Op) -> tuple[tuple[int, ...], list[int], list[int]] | None:
    """(input shape, block shape, [before, after] per spatial axis) if both are constant."""
    block, pads = const_ints(g, op.inputs[1]), const_ints(g, op.inputs[2])
    if block is None or pads is None:
        return None
    return shape_of(g, op.inputs[0]), block, pads


def _past_batch(g: Graph, op: Op, want: tuple[int, ...]) -> list[str]:
    """The output past its batch holds what the op computes. The batch itself is not
    checked: the converter stores the tensors between SPACE_TO_BATCH_ND and
    BATCH_TO_SPACE_ND with batch 1 (TF Lite resizes them at run time), and tinydeploy
    folds the pattern into one dilated convolution."""
    y = shape_of(g, op.outputs[0])
    n, m = int(np.prod(y[1:], dtype=np.int64)), int(np.prod(want, dtype=np.int64))
    return [] if n == m else [f"output shape {list(y)} holds {n} values per batch, the op "
                              f"computes {list(want)}"]


def space_to_batch_nd(g: Graph, op: Op) -> list[str]:
    """[n, spatial..., rest...] -> [n * prod(block), (spatial + pads) / block..., rest...]."""
    got = _blocks(g, op)
    if got is None:
        return []
    x, block, pads = got
    if len(pads) != 2 * len(block) or len(x) < len(block) + 1 or min(block, default=1) < 1:
        return [f"block shape {block} and paddings {pads} do not fit the input {list(x)}"]
    sizes = [x[1 + i] + pads[2 * i] + pads[2 * i + 1] for i in range(len(block))]
    if any(s % k for s, k in zip(sizes, block)):
        return [f"padded sizes {sizes} are not multiples of the block shape {block}"]
    return _past_batch(g, op, tuple(s // k for s, k in zip(sizes, block)) + x[1 + len(block):])


def batch_to_space_nd(g: Graph, op: Op) -> list[str]:
    """[n * prod(block), spatial..., rest...] -> [n, spatial * block - crops..., rest...]."""
    got = _blocks(g, op)
    if got is None:
        return []
    x, block, crops = got
    if len(crops) != 2 * len(block) or len(x) < len(block) + 1 or min(block, default=1) < 1:
        return [f"block shape {block} and crops {crops} do not fit the input {list(x)}"]
    return _past_batch(g, op, tuple(x[1 + i] * k - crops[2 * i] - crops[2 * i + 1]
                                    for i, k in enumerate(block)) + x[1 + len(block):])
