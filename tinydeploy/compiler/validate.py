"""Which models the compiler takes: the ops it has kernels for, int8 activations throughout.

Contract: `validate(graph, where)` returns None for a graph the lowering can take and
otherwise raises ModelError with one line naming the layer and tensor at fault and what to
do. SUPPORTED_OPS, the op names the compiler accepts (ALIAS_OPS among them: ops that only
rename memory), and each op's descriptor inputs (int32/int64 shape or axis values) come
from the op records (lower/registry.py).
"""
from __future__ import annotations

from ..errors import ModelError
from . import boundary
from .ir import Graph
from .lower.registry import ALIAS_OPS, SPECS, SUPPORTED_OPS
from .shape_inputs import output_shape_ops

__all__ = ["ALIAS_OPS", "RECURRENT_OPS", "SUPPORTED_OPS", "validate"]

# Recurrent ops: named as such in the refusal (a Keras LSTM/GRU/RNN converts to these).
RECURRENT_OPS = {"UNIDIRECTIONAL_SEQUENCE_LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM", "LSTM",
                 "UNIDIRECTIONAL_SEQUENCE_RNN", "BIDIRECTIONAL_SEQUENCE_RNN", "RNN", "SVDF",
                 "GRU", "CUSTOM:GRU"}


def _unsupported_message(where: str, bad: list) -> str:
    names = ", ".join(f"layer {op.index} {op.kind}" for op in bad)
    extra = ""
    if any(op.kind in RECURRENT_OPS for op in bad):
        extra = ("; recurrent ops (LSTM, GRU, RNN, SVDF) are not supported yet: unroll the "
                 "recurrence or use convolutions over time")
    return (f"{where}: unsupported op(s): {names}{extra}; tinydeploy supports "
            f"{', '.join(sorted(SUPPORTED_OPS))}")


def validate(g: Graph, where: str = "model") -> None:
    """Raise ModelError unless every op has a kernel and every activation is int8."""
    shape_only = output_shape_ops(g)     # TRANSPOSE_CONV output-shape arithmetic: unused
    unsupported = [op for op in g.ops
                   if op.kind not in SUPPORTED_OPS and op.index not in shape_only]
    if unsupported:
        raise ModelError(_unsupported_message(where, unsupported))
    for op in g.ops:
        if op.index in shape_only:
            continue
        skip = SPECS[op.kind].descriptor_inputs
        for pos, ti in enumerate(op.inputs + op.outputs):
            if ti < 0 or (pos < len(op.inputs) and pos in skip):
                continue
            t = g.t(ti)
            if t.dtype == "int8" or (t.is_const and t.dtype == "int32"):
                continue
            if boundary.allowed_non_int8(g, op, pos):
                continue
            if t.dtype in ("float32", "float16"):
                hybrid = any(g.t(x).dtype == "int8" and g.t(x).is_const for x in op.inputs if x >= 0)
                kind = "hybrid (dynamic-range) quantized" if hybrid else "not fully int8"
                raise ModelError(
                    f"{where}: model is {kind}: tensor '{t.name}' of layer {op.index} "
                    f"{op.kind} is {t.dtype}; convert with full-integer quantization (float "
                    "tensors are taken only as a model input feeding QUANTIZE or a model "
                    "output of DEQUANTIZE; `tinydeploy convert` gives int8 input/output)")
            if t.dtype == "int16":
                raise ModelError(f"{where}: tensor '{t.name}' of layer {op.index} {op.kind} is "
                                 "int16: 16x8 quantization (int16 activations) is not "
                                 "supported yet; convert with int8 activations")
            raise ModelError(f"{where}: tensor '{t.name}' of layer {op.index} {op.kind} is "
                             f"{t.dtype}; tinydeploy supports int8 activations only")
    boundary.check_io(g, where)
    shape_values = {t for op in g.ops if op.index in shape_only for t in op.outputs}
    for op in g.ops:
        for ti in op.inputs + op.outputs:
            if op.index in shape_only or ti in shape_values:
                continue
            if (ti >= 0 and not g.t(ti).is_const and g.t(ti).quant is None
                    and g.t(ti).dtype == "int8"):
                raise ModelError(f"{where}: tensor '{g.t(ti).name}' of layer {op.index} has no "
                                 "quantization parameters; the model is not fully int8")
