"""A model's inputs and outputs: which dtypes the compiler takes at the graph boundary, and
the one description of each input/output that inspect, predict and the harness share.

Contract: `allowed_non_int8(g, op, pos)` says whether operand `pos` of `op` (inputs, then
outputs) may be other than int8: a float32 model input feeding QUANTIZE, a float32 model
output of DEQUANTIZE (the converter's default float input/output, converted on the device
exactly as TFLite Micro does), an int32/int64 model output of ARG_MAX/ARG_MIN.
`check_io(g, where)` refuses any other input/output dtype in one line, except an int32/int64
input read only as a shape TFLite Micro ignores (`ignored_shape_input`). `describe(g)` lists
every input and output: index, name, shape, dtype, scale, zero_point, bytes and, for a float
one, which layer converts it on the device.
"""
from __future__ import annotations

import numpy as np

from ..errors import ModelError, printable
from .ir import Graph, Op
from .shape_inputs import SHAPE_INPUTS

INDEX_DTYPES = ("int32", "int64")
INPUT_DTYPES = ("int8", "int16", "float32")
OUTPUT_DTYPES = ("int8", "int16", "float32") + INDEX_DTYPES


def allowed_non_int8(g: Graph, op: Op, pos: int) -> bool:
    ti = (op.inputs + op.outputs)[pos]
    dtype = g.t(ti).dtype
    is_out = pos >= len(op.inputs)
    if op.kind == "QUANTIZE" and pos == 0 and dtype == "float32":
        return ti in g.inputs
    if op.kind == "DEQUANTIZE" and is_out and dtype == "float32":
        return ti in g.outputs
    if op.kind in ("ARG_MAX", "ARG_MIN") and is_out and dtype in INDEX_DTYPES:
        return ti in g.outputs
    return False


def ignored_shape_input(g: Graph, ti: int) -> bool:
    """Whether tensor `ti` is read only as a shape TFLite Micro ignores (a TRANSPOSE_CONV's
    output shape given as a model input: its bytes are loaded and never read)."""
    readers = [(op.kind, pos) for op in g.ops for pos, t in enumerate(op.inputs) if t == ti]
    return bool(readers) and all(SHAPE_INPUTS.get(kind) == pos for kind, pos in readers)


def check_io(g: Graph, where: str) -> None:
    if not g.inputs or not g.outputs:
        raise ModelError(f"{where}: the model has {len(g.inputs)} inputs and {len(g.outputs)} "
                         "outputs; tinydeploy needs at least one of each")
    for kind, ids, ok in (("input", g.inputs, INPUT_DTYPES), ("output", g.outputs, OUTPUT_DTYPES)):
        for k, ti in enumerate(ids):
            t = g.t(ti)
            if kind == "input" and t.dtype in INDEX_DTYPES and ignored_shape_input(g, ti):
                continue
            if t.dtype not in ok:
                raise ModelError(f"{where}: model {kind} {k} '{printable(t.name)}' is {t.dtype}; "
                                 f"tinydeploy takes {kind}s of dtype {', '.join(ok)} "
                                 "(convert with int8 input and output)")
            if t.is_const:
                raise ModelError(f"{where}: model {kind} {k} '{printable(t.name)}' is a constant; "
                                 "re-export the model without it")


def _converter(g: Graph, ti: int, is_input: bool) -> dict | None:
    """The layer converting a float model input/output on the device, with its int8 side."""
    if g.t(ti).dtype != "float32":
        return None
    for op in g.ops:
        if is_input and op.kind == "QUANTIZE" and op.inputs[0] == ti:
            q = g.t(op.outputs[0])
        elif not is_input and op.kind == "DEQUANTIZE" and op.outputs[0] == ti:
            q = g.t(op.inputs[0])
        else:
            continue
        return dict(layer=op.index, op=op.kind, int8_scale=q.scale, int8_zero_point=q.zero_point)
    return None


def describe(g: Graph) -> dict[str, list[dict]]:
    """{"inputs": [...], "outputs": [...]} (see the module docstring)."""
    def one(k, ti, is_input):
        t = g.t(ti)
        quantized = t.quant is not None and t.dtype in ("int8", "int16")
        return dict(index=k, tensor=ti, name=t.name, shape=list(t.shape), dtype=t.dtype,
                    bytes=t.nbytes, scale=t.scale if quantized else None,
                    zero_point=t.zero_point if quantized else None,
                    on_device=_converter(g, ti, is_input))
    return dict(inputs=[one(k, ti, True) for k, ti in enumerate(g.inputs)],
                outputs=[one(k, ti, False) for k, ti in enumerate(g.outputs)])


def np_dtype(dtype: str) -> np.dtype:
    """The little-endian numpy dtype of a model input/output."""
    return np.dtype(dtype).newbyteorder("<")


def io_line(d: dict) -> str:
    """One input/output as text: `0 'name' 1x8x8x3 int8 scale 0.05 zp -3`."""
    shape = "x".join(map(str, d["shape"])) or "scalar"
    text = f"{d['index']} '{printable(d['name'])}' {shape} {d['dtype']}"
    if d["scale"] is not None:
        text += f" scale {d['scale']:.6g} zp {d['zero_point']}"
    c = d["on_device"]
    if c:
        what = "quantized to" if c["op"] == "QUANTIZE" else "dequantized from"
        text += (f", {what} int8 (scale {c['int8_scale']:.6g} zp {c['int8_zero_point']}) on "
                 f"the device by layer {c['layer']} {c['op']} as TFLite Micro does")
    return text
