"""Lower the graph IR to kernel calls: one Layer per kernel, with every constant baked.

Contract: `lower(graph)` returns a Program whose layers run in order; each names its C
kernel, its parameter block (a params.Params dataclass, one per td_kernels.h struct), its
typed data arguments, the constant arrays it owns, the activation tensors it reads and
writes, and its MACs. Aliasing ops (RESHAPE, SQUEEZE, EXPAND_DIMS) become layers with
`alias_of` set and no kernel. A lowering returns one Layer, or for an op with several
outputs (SPLIT, SPLIT_V, UNPACK) a list of them, one kernel call per output
(Layer.part). All arithmetic that TFLite Micro does in Prepare is done here (quant.py),
so the device only runs Eval. The Graph passed in is not changed.

One module per op family, each ending with the records (opspec.OpSpec) of its ops;
DISPATCH (op -> lowering) is read off them (registry.py). A kernel's bit-exactness tests
are tests/host_c/test_<kernel stem>.py.
"""
from __future__ import annotations

import dataclasses

from ...errors import ModelError
from ..float_islands import members as float_island_members
from ..ir import Graph
from ..program import Layer, LowerContext, Program
from ..shape_inputs import output_shape_ops
from .dilated import fold_dilated_convs
from .registry import ALIAS_OPS, DISPATCH

__all__ = ["DISPATCH", "fold_dilated_convs", "lower"]


def _working_copy(g: Graph) -> Graph:
    """A Graph lowering may change (op list, constant data of aliases) without touching
    `g`: new lists; tensors are replaced, not edited, where lowering changes them."""
    return Graph(g.name, list(g.tensors), list(g.ops), list(g.inputs), list(g.outputs))


def lower(g: Graph, weights: str = "auto", dense_layers: frozenset = frozenset()) -> Program:
    """Lower a validated Graph (see module docstring). `g` itself is left as it is: the
    Program's graph is a copy with the dilated-conv patterns folded. `weights` is the
    weight-storage policy (program.WEIGHT_POLICIES) the fast paths choose encodings by;
    the layers of `dense_layers` (.tflite op indices) stay dense whatever it says."""
    g = _working_copy(g)
    fold_dilated_convs(g)
    low = LowerContext(g, weights, dense_layers)
    layers = []
    shape_only = output_shape_ops(g)
    absorbed = float_island_members(g)    # lowered with the QUANTIZE that ends their island
    for op in g.ops:
        if op.index in shape_only or op.index in absorbed:
            continue                      # shape arithmetic TFLite Micro ignores
        if op.kind in ALIAS_OPS:
            src = g.t(op.inputs[0])
            if src.is_const:
                out = g.t(op.outputs[0])
                g.tensors[out.index] = dataclasses.replace(out, data=src.const_data.reshape(out.shape))
                continue
            layers.append(Layer(index=op.index, op=op.kind, inputs=[op.inputs[0]],
                                output=op.outputs[0], alias_of=op.inputs[0]))
            continue
        try:
            lowered = DISPATCH[op.kind](low, op)    # a Layer, or one per output (SPLIT, ...)
        except (ArithmeticError, ValueError) as exc:   # numbers no converter writes
            raise ModelError(f"layer {op.index} {op.kind}: its quantization or options "
                             f"cannot be lowered ({exc}); re-export the model") from None
        for layer in lowered if isinstance(lowered, list) else [lowered]:
            layer.fused = layer.fused or list(op.options.get("fused_ops", []))
            layer.inplace = low.in_place_inputs(layer)
            layers.append(layer)
    return Program(g, layers)
