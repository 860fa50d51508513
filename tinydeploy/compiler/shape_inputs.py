"""Ops that only compute a TRANSPOSE_CONV's output-shape input (input 0).

With a free batch dimension the converter computes that input at run time (SHAPE ->
STRIDED_SLICE -> PACK of the input's batch and the constant H, W, C). TFLite Micro ignores
input 0 and uses the output tensor's stored shape, so these ops have no effect on any
output: `output_shape_ops(g)` names them (op indices), validation does not ask for kernels
for them and lowering skips them.

An op belongs to the set when every tensor it writes is an int32/int64 shape value that is
not a model output and is read only as input 0 of a TRANSPOSE_CONV or by other ops of the
set.
"""
from __future__ import annotations

from .ir import Graph


def output_shape_ops(g: Graph) -> set[int]:
    targets = {op.inputs[0] for op in g.ops
               if op.kind == "TRANSPOSE_CONV" and op.inputs and op.inputs[0] >= 0
               and not g.t(op.inputs[0]).is_const}
    if not targets:
        return set()
    readers: dict[int, list[tuple[int, int]]] = {}
    for op in g.ops:
        for pos, ti in enumerate(op.inputs):
            readers.setdefault(ti, []).append((op.index, pos))
    kinds = {op.index: op.kind for op in g.ops}
    skip: set[int] = set()
    for op in reversed(g.ops):          # consumers come after producers
        outs = [g.t(t) for t in op.outputs]
        if not outs or any(t.dtype not in ("int32", "int64") or t.index in g.outputs
                           for t in outs):
            continue
        if all(r in skip or (kinds[r] == "TRANSPOSE_CONV" and pos == 0 and t.index in targets)
               for t in outs for r, pos in readers.get(t.index, [])):
            skip.add(op.index)
    return skip
