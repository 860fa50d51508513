"""Which models the compiler takes: the ops it has kernels for, int8 activations throughout.

Contract: `validate(graph, where)` returns None for a graph the lowering can take and
otherwise raises ModelError with one line naming the layer and tensor at fault and what to
do: "not supported yet: WHAT (layer N OP ...); ADVICE" (not_supported) for a valid model
(the verifier has passed it) that uses what tinydeploy has no kernel for yet.
SUPPORTED_OPS, the op names the compiler accepts (ALIAS_OPS among them: ops that only
rename memory), and each op's descriptor inputs (int32/int64 shape or axis values) come
from the op records (lower/registry.py).
"""
from __future__ import annotations

from ..errors import ModelError
from . import boundary, float_islands
from .ir import Graph
from .lower.registry import ALIAS_OPS, INT16_OPS, SPECS, SUPPORTED_OPS
from .shape_inputs import output_shape_ops

__all__ = ["ALIAS_OPS", "RECURRENT_OPS", "SUPPORTED_OPS", "validate"]

# Recurrent ops: named as such in the refusal (a Keras LSTM/GRU/RNN converts to these).
RECURRENT_OPS = {"UNIDIRECTIONAL_SEQUENCE_LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM", "LSTM",
                 "UNIDIRECTIONAL_SEQUENCE_RNN", "BIDIRECTIONAL_SEQUENCE_RNN", "RNN", "SVDF",
                 "GRU", "CUSTOM:GRU"}


SHOWN_OPS = 8        # unsupported layers named in the refusal; the rest are counted
# ops whose weights (input 1) may be packed INT4 (TFLite Micro's int4 kernels; the reader
# unpacks them to int8 values -8..7)
INT4_WEIGHT_OPS = ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D")


def not_supported(where: str, what: str, detail: str, advice: str) -> ModelError:
    """The one wording of a refusal of a valid model: `not supported yet: WHAT (DETAIL);
    ADVICE`, DETAIL naming the layer(s) and tensor."""
    return ModelError(f"{where}: not supported yet: {what} ({detail}); {advice}")


def _unsupported(where: str, bad: list) -> ModelError:
    names = ", ".join(f"layer {op.index} {op.kind}" for op in bad[:SHOWN_OPS])
    if len(bad) > SHOWN_OPS:
        names += f" and {len(bad) - SHOWN_OPS} more"
    if any(op.kind in RECURRENT_OPS for op in bad):
        names += ("; recurrent ops (LSTM, GRU, RNN, SVDF) are not supported yet: unroll the "
                  "recurrence or use convolutions over time")
    kinds = ", ".join(dict.fromkeys(op.kind for op in bad))
    return not_supported(where, kinds, names, f"tinydeploy supports {', '.join(sorted(SUPPORTED_OPS))}")


def validate(g: Graph, where: str = "model") -> None:
    """Raise ModelError unless every op has a kernel and every activation is int8."""
    shape_only = output_shape_ops(g)     # shape arithmetic TFLite Micro ignores
    island_ends = float_islands.islands(g)
    absorbed = {i for island in island_ends.values() for i in island.ops}
    unsupported = [op for op in g.ops if op.kind not in SUPPORTED_OPS
                   and op.index not in shape_only and op.index not in absorbed]
    if unsupported:
        raise _unsupported(where, unsupported)
    state = next(((op, x) for op in g.ops for x in op.inputs + op.outputs
                  if x >= 0 and g.t(x).variable), None)
    if state is not None:
        op, ti = state
        raise not_supported(where, "state kept across invocations",
                            f"variable tensor '{g.t(ti).name}' of layer {op.index} {op.kind}",
                            "give the state to the model as an input and take it as an output")
    for op in g.ops:
        packed = [ti for pos, ti in enumerate(op.inputs) if ti >= 0 and g.t(ti).int4
                  and not (pos == 1 and op.kind in INT4_WEIGHT_OPS)]
        if packed:
            raise not_supported(where, "int4 tensors",
                                f"int4 tensor '{g.t(packed[0]).name}' of layer {op.index} "
                                f"{op.kind}: int4 is taken as the weights of "
                                f"{', '.join(INT4_WEIGHT_OPS)} only",
                                "quantize that tensor to int8")
    for op in g.ops:
        if op.index in shape_only or op.index in absorbed:
            continue                     # a float island's ops: its QUANTIZE stands for them
        skip = SPECS[op.kind].descriptor_inputs
        for pos, ti in enumerate(op.inputs + op.outputs):
            if ti < 0 or (pos < len(op.inputs) and pos in skip):
                continue
            t = g.t(ti)
            if t.dtype == "int8" or (t.is_const and t.dtype == "int32"):
                continue
            if SPECS[op.kind].int16 and (
                    (t.dtype == "int16" and not t.is_const)        # a 16x8 model's activations
                    or (t.dtype == "int64" and t.is_const and any(  # ... and its biases
                        g.t(i).dtype == "int16" for i in op.inputs if i >= 0))):
                continue
            if boundary.allowed_non_int8(g, op, pos) or (op.index in island_ends and pos == 0):
                continue
            at = f"tensor '{t.name}' of layer {op.index} {op.kind} is {t.dtype}"
            if t.dtype in ("float32", "float16"):
                hybrid = any(g.t(x).dtype == "int8" and g.t(x).is_const for x in op.inputs if x >= 0)
                kind = "hybrid (dynamic-range) quantized" if hybrid else "not fully int8"
                raise not_supported(
                    where, "float activations", f"model is {kind}: {at}",
                    "convert with full-integer quantization (float tensors are taken only as a "
                    "model input feeding QUANTIZE or a model output of DEQUANTIZE; `tinydeploy "
                    "convert` gives int8 input/output)")
            if t.dtype == "int16":
                raise not_supported(where, "int16 activations", f"{at}: 16x8 quantization (int16 "
                                    f"activations) is supported for {', '.join(sorted(INT16_OPS))} "
                                    "only", "convert with int8 activations")
            raise not_supported(where, f"{t.dtype} activations",
                                f"{at}; tinydeploy supports int8 activations only",
                                "convert with int8 input and output")
    boundary.check_io(g, where)
    shape_values = {t for op in g.ops if op.index in shape_only for t in op.outputs}
    for op in g.ops:
        for ti in op.inputs + op.outputs:
            if op.index in shape_only or ti in shape_values:
                continue
            if (ti >= 0 and not g.t(ti).is_const and g.t(ti).quant is None
                    and g.t(ti).dtype in ("int8", "int16")):
                raise ModelError(f"{where}: tensor '{g.t(ti).name}' of layer {op.index} has no "
                                 "quantization parameters; the model is not fully int8")
