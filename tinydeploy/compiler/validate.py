"""Which models the compiler takes: the ops it has kernels for, int8 activations throughout.

Contract: `validate(graph, where)` returns None for a graph the lowering can take and
otherwise raises ModelError with one line naming the layer and tensor at fault and what to
do. SUPPORTED_OPS is the one table of op names the compiler accepts (ALIAS_OPS among them:
ops that only rename memory); lower/ has one lowering per op family for them.
"""
from __future__ import annotations

from ..errors import ModelError
from . import boundary
from .ir import Graph
from .shape_inputs import output_shape_ops

ALIAS_OPS = {"RESHAPE", "SQUEEZE", "EXPAND_DIMS"}
SUPPORTED_OPS = {
    "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D",
    "ADD", "MUL", "SOFTMAX", "MEAN", "PAD", "PADV2", "CONCATENATION", "QUANTIZE",
    "LOGISTIC", "RELU", "RELU6", "SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND",
    # ---- shape / data movement (lower/shape.py, lower/resize.py)
    "TRANSPOSE", "STRIDED_SLICE", "SLICE", "SPLIT", "SPLIT_V", "PACK", "UNPACK", "GATHER",
    "DEPTH_TO_SPACE", "SPACE_TO_DEPTH", "RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR",
    # issue 10, binary and reduction ops
    "SUB", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE", "SUM", "REDUCE_MAX",
    # activations and L2 normalization (lower/activation.py, lower/l2norm.py)
    "LEAKY_RELU", "PRELU", "HARD_SWISH", "TANH", "ELU", "L2_NORMALIZATION",
    # ---- TRANSPOSE_CONV, BATCH_MATMUL
    "TRANSPOSE_CONV", "BATCH_MATMUL",
    # ---- model I/O: float boundary, index outputs
    "DEQUANTIZE", "ARG_MAX", "ARG_MIN",
} | ALIAS_OPS
# Inputs that are shape/axis/padding descriptors, not data: int32/int64 constants allowed.
_DESCRIPTOR_INPUTS = {"RESHAPE": {1}, "MEAN": {1}, "PAD": {1}, "PADV2": {1},
                      "SPACE_TO_BATCH_ND": {1, 2}, "BATCH_TO_SPACE_ND": {1, 2},
                      "EXPAND_DIMS": {1},
                      # ---- shape / data movement
                      "TRANSPOSE": {1}, "STRIDED_SLICE": {1, 2, 3}, "SLICE": {1, 2},
                      "SPLIT": {0}, "SPLIT_V": {1, 2}, "GATHER": {1},
                      "RESIZE_NEAREST_NEIGHBOR": {1}, "RESIZE_BILINEAR": {1},
                      # issue 10, reductions
                      "SUM": {1}, "REDUCE_MAX": {1},
                      # ---- TRANSPOSE_CONV (input 0: the output shape)
                      "TRANSPOSE_CONV": {0},
                      # ---- model I/O
                      "ARG_MAX": {1}, "ARG_MIN": {1}}


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
        skip = _DESCRIPTOR_INPUTS.get(op.kind, set())
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
