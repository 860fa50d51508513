"""Per-op rules of the model verifier (verify.py): options valid for the op and consistent
with the shapes, and the output shape what the op computes from its inputs, as TFLite's
Prepare functions require. OP_RULES maps an op to a function (graph, op) -> [problem, ...];
an op without a rule gets only verify.py's generic checks (its lowering checks the rest).
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


def _shape(g: Graph, x: int) -> tuple[int, ...]:
    return tuple(g.t(x).shape)


def _expect(got, want, what="output shape") -> list[str]:
    return [] if tuple(got) == tuple(want) else [f"{what} {list(got)}, the op computes {list(want)}"]


def _conv(g: Graph, op: Op) -> list[str]:
    o = op.options
    out = _window(o, ("stride_h", "stride_w", "dilation_h", "dilation_w"))
    x, w, y = _shape(g, op.inputs[0]), _shape(g, op.inputs[1]), _shape(g, op.outputs[0])
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
    return out + _expect(y, (n, oh, ow, oc))


def _pool(g: Graph, op: Op) -> list[str]:
    o = op.options
    out = _window(o, ("stride_h", "stride_w", "filter_h", "filter_w"))
    x, y = _shape(g, op.inputs[0]), _shape(g, op.outputs[0])
    if len(x) != 4 or len(y) != 4:
        return out + [f"input and output must be 4-D, are {list(x)}, {list(y)}"]
    if out:
        return out
    n, ih, iw, c = x
    oh = _window_out(o["padding"], ih, o["filter_h"], o["stride_h"], 1)
    ow = _window_out(o["padding"], iw, o["filter_w"], o["stride_w"], 1)
    if oh < 1 or ow < 1:
        return [f"the {o['filter_h']}x{o['filter_w']} filter does not fit the {ih}x{iw} input"]
    return _expect(y, (n, oh, ow, c))


def _fully_connected(g: Graph, op: Op) -> list[str]:
    x, w, y = g.t(op.inputs[0]), _shape(g, op.inputs[1]), g.t(op.outputs[0])
    if len(w) != 2:
        return [f"weights must be 2-D [units, depth], are {list(w)}"]
    units, depth = w
    if x.size % depth:
        return [f"input of {x.size} values is not a whole number of rows of {depth}"]
    out = []
    if len(op.inputs) > 2 and op.inputs[2] >= 0 and g.t(op.inputs[2]).size != units:
        out.append(f"bias has {g.t(op.inputs[2]).size} values for {units} units")
    if op.options.get("keep_num_dims"):
        return out + _expect(y.shape, tuple(x.shape[:-1]) + (units,))
    if y.size != x.size // depth * units or (y.shape and y.shape[-1] != units):
        out.append(f"output shape {list(y.shape)} does not hold {x.size // depth} rows of "
                   f"{units} units")
    return out


def _broadcast(g: Graph, op: Op) -> list[str]:
    a, b, y = _shape(g, op.inputs[0]), _shape(g, op.inputs[1]), g.t(op.outputs[0])
    try:
        want = np.broadcast_shapes(a, b)
    except ValueError:
        return [f"inputs {list(a)} and {list(b)} do not broadcast"]
    if int(np.prod(want, dtype=np.int64)) != y.size:
        return [f"output shape {list(y.shape)}, the inputs broadcast to {list(want)}"]
    return []


def _same_shape(g: Graph, op: Op) -> list[str]:
    x, y = g.t(op.inputs[0]), g.t(op.outputs[0])
    return [] if x.size == y.size else [f"output {list(y.shape)} is not the input's size "
                                        f"{list(x.shape)}"]


def _softmax(g: Graph, op: Op) -> list[str]:
    beta = op.options.get("beta", 1.0)
    out = [] if np.isfinite(beta) and 0 < beta < 1e6 else [f"beta {beta} (must be positive)"]
    return out + _same_shape(g, op)


def _concat(g: Graph, op: Op) -> list[str]:
    y = _shape(g, op.outputs[0])
    axis = op.options.get("axis", 0)
    if not -len(y) <= axis < len(y):
        return [f"axis {axis} of a {len(y)}-D output"]
    axis %= len(y)
    shapes = [_shape(g, x) for x in op.inputs]
    if any(len(s) != len(y) for s in shapes):
        return ["inputs and output differ in rank"]
    for k, s in enumerate(shapes):
        if s[:axis] + s[axis + 1:] != y[:axis] + y[axis + 1:]:
            return [f"input {k} {list(s)} does not match the output {list(y)} off axis {axis}"]
    return _expect((sum(s[axis] for s in shapes),), (y[axis],), f"output size on axis {axis}")


def _pad(g: Graph, op: Op) -> list[str]:
    x, p, y = _shape(g, op.inputs[0]), g.t(op.inputs[1]), _shape(g, op.outputs[0])
    if p.data is None:
        return []                 # lowering refuses run-time paddings
    if p.size != 2 * len(x):
        return [f"paddings hold {p.size} values for a {len(x)}-D input"]
    pads = p.data.reshape(-1, 2).astype(np.int64)
    if np.any(pads < 0):
        return ["negative padding"]
    return _expect(y, tuple(int(d + a + b) for d, (a, b) in zip(x, pads)))


OP_RULES = {
    "CONV_2D": _conv, "DEPTHWISE_CONV_2D": _conv,
    "AVERAGE_POOL_2D": _pool, "MAX_POOL_2D": _pool,
    "FULLY_CONNECTED": _fully_connected,
    "ADD": _broadcast, "MUL": _broadcast, "SUB": _broadcast, "MAXIMUM": _broadcast,
    "MINIMUM": _broadcast, "SQUARED_DIFFERENCE": _broadcast,
    "SOFTMAX": _softmax, "LOGISTIC": _same_shape, "RELU": _same_shape,
    "RELU6": _same_shape, "QUANTIZE": _same_shape, "DEQUANTIZE": _same_shape,
    "TANH": _same_shape, "LEAKY_RELU": _same_shape, "HARD_SWISH": _same_shape,
    "ELU": _same_shape, "RESHAPE": _same_shape, "SQUEEZE": _same_shape,
    "EXPAND_DIMS": _same_shape,
    "CONCATENATION": _concat, "PAD": _pad, "PADV2": _pad,
}
