"""Ops that only compute a shape input TFLite Micro ignores: a TRANSPOSE_CONV's output shape
(input 0) or a RESHAPE's new shape (input 1).

With a free batch dimension the converter computes that input at run time (SHAPE ->
STRIDED_SLICE -> PACK of the input's batch and the constant sizes). Its value changes no
output: TFLite Micro's TRANSPOSE_CONV takes its output size from the output tensor, its
RESHAPE copies the data unchanged, and every later layer reads the output tensor's stored
shape (batch 1). `output_shape_ops(g)` names these ops (op indices); validation does not
ask for kernels for them and lowering skips them.

An op belongs to the set when every tensor it writes is an int32/int64 shape value that is
not a model output and is read only as one of those shape inputs or by other ops of the
set.
"""
from __future__ import annotations

from .ir import Graph

SHAPE_INPUTS = {"TRANSPOSE_CONV": 0, "RESHAPE": 1}     # op -> position of its ignored shape


def output_shape_ops(g: Graph) -> set[int]:
    targets = {(op.index, pos) for op in g.ops
               for pos in [SHAPE_INPUTS.get(op.kind)]
               if pos is not None and len(op.inputs) > pos and op.inputs[pos] >= 0
               and not g.t(op.inputs[pos]).is_const}
    if not targets:
        return set()
    readers: dict[int, list[tuple[int, int]]] = {}
    for op in g.ops:
        for pos, ti in enumerate(op.inputs):
            readers.setdefault(ti, []).append((op.index, pos))
    skip: set[int] = set()
    for op in reversed(g.ops):          # consumers come after producers
        outs = [g.t(t) for t in op.outputs]
        if not outs or any(t.dtype not in ("int32", "int64") or t.index in g.outputs
                           for t in outs):
            continue
        if all(r in skip or (r, pos) in targets
               for t in outs for r, pos in readers.get(t.index, [])):
            skip.add(op.index)
    return skip
