"""The model verifier: is the graph internally consistent, whatever the compiler supports?

Contract: `problems(g)` lists, one short clause each naming the tensor or layer by index,
everything that makes a decoded model unsafe to compile: what the reader found while
decoding (g.problems: indices out of range, data past the end of the file), tensors
(rank, zero-sized dimensions, constant data not exactly the size the shape and type need,
quantization missing, not finite and positive, per-channel counts, zero points out of the
type's range), the graph (inputs and outputs that are constants, a tensor read before any
layer writes it, so not in execution order or a cycle, a tensor written twice) and each
op's inputs, options and output shape against its inputs (the rule its record names:
verify_ops.py, verify_movement.py; OPTIONAL_INPUTS, the biases a model may leave out,
come from the records too). `verify(g, where)` raises one ModelError holding them. It runs
before validate.py (which asks: does tinydeploy support it?) and before any lowering, so
lowering may trust indices, sizes and shapes.

What TFLite Micro tolerates is tolerated, so that a model it runs is refused as "not
supported yet" (validate.py), never as malformed: a variable tensor (LSTM/SVDF state)
holds a value before the first op; the quantization of int32/int64 tensors (biases) is
not checked per channel (TFLite Micro's kernels never read it: kernel_util.cc leaves the
bias check as a TODO, and old converters copied the filter's quantized_dimension onto the
1-D bias); int16 zero points may be anything int16 holds (TFLite Micro's int8 -> int16
SOFTMAX wants -32768, its 16x8 kernels 0). The checks that depend on what an op does
(quantization present, zero-sized dimensions, inputs left out as -1, scratch tensors no
op writes) apply to the ops with a record (zero-sized dimensions also to the model's
inputs and outputs; quantization not to reshapes); an op without one (a custom op, an
LSTM, the Signal library's audio ops) is refused by validate.py whatever its operands.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..errors import ModelError
from .ir import Graph, Tensor
from .lower.registry import OPTIONAL_INPUTS, SPECS
from .params import MAX_DIMS

SHOWN = 6                       # problems quoted in the error; the rest are counted
_ZP_RANGE = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767)}
_UNQUANTIZED = ("int32", "int64")     # biases: TFLite Micro never reads their quantization
_QUANTIZED = ("int8", "uint8", "int16")
_FLOAT32_TINY = float(np.finfo(np.float32).tiny)     # smallest normal float32


def _tensor_problems(t: Tensor, used_by_ops: bool, quantized_use: bool) -> list[str]:
    """`used_by_ops`: an op with a record or the model's interface reads or writes it (a
    zero-sized tensor nothing reads is an LSTM's intermediate, which TFLite Micro never
    reads); `quantized_use`: an op with a record that computes on values reads or writes
    it (reshapes rename memory: TFLite Micro's read no quantization, and the audio front
    end reshapes raw int16 samples)."""
    out = []
    what = f"tensor {t.index}"
    if len(t.shape) > MAX_DIMS:
        out.append(f"{what} has {len(t.shape)} dimensions (at most {MAX_DIMS})")
    if used_by_ops and any(d == 0 for d in t.shape):
        out.append(f"{what} has a zero-sized dimension {list(t.shape)}")
    if t.is_const and t.const_data.size != t.size:
        out.append(f"{what}: constant data holds {t.const_data.size} {t.dtype} values, its shape "
                   f"{list(t.shape)} needs {t.size}")
    q = t.quant
    if t.dtype in _QUANTIZED and quantized_use and q is None:
        out.append(f"{what} ({t.dtype}) has no quantization parameters")
    if q is None:
        return out
    scale = np.asarray(q.scale, np.float64)
    if not np.all(np.isfinite(scale)) or np.any(scale < _FLOAT32_TINY) or np.any(scale > 1e30):
        bad = scale[~(np.isfinite(scale) & (scale >= _FLOAT32_TINY) & (scale <= 1e30))][0]
        out.append(f"{what} has quantization scale {bad:g} (must be a finite, positive, "
                   "normal float32)")
    lo_hi = _ZP_RANGE.get(t.dtype)
    if lo_hi and np.any((q.zero_point < lo_hi[0]) | (q.zero_point > lo_hi[1])):
        bad = int(q.zero_point[(q.zero_point < lo_hi[0]) | (q.zero_point > lo_hi[1])][0])
        out.append(f"{what} has zero point {bad}, outside {t.dtype}'s {lo_hi[0]}..{lo_hi[1]}")
    if scale.size > 1 and t.dtype not in _UNQUANTIZED:
        if not 0 <= q.axis < len(t.shape):
            out.append(f"{what} has per-channel quantization on axis {q.axis} of a "
                       f"{len(t.shape)}-D tensor")
        elif scale.size != t.shape[q.axis]:
            out.append(f"{what} has {scale.size} per-channel scales for {t.shape[q.axis]} "
                       f"channels (axis {q.axis})")
    return out


def _graph_problems(g: Graph) -> list[str]:
    out = []
    n = len(g.tensors)
    valid = [x for x in g.inputs if 0 <= x < n]
    for x in valid:
        if g.t(x).is_const:
            out.append(f"model input tensor {x} is a constant")
    for x in (x for x in g.outputs if 0 <= x < n):
        if g.t(x).is_const:
            out.append(f"model output tensor {x} is a constant")
    written = set(valid) | {t.index for t in g.tensors if t.variable}
    ever_written = {y for op in g.ops for y in op.outputs}
    for op in g.ops:
        known = op.kind in SPECS
        for pos, x in enumerate(op.inputs):
            if x == -1 and known and pos not in OPTIONAL_INPUTS.get(op.kind, ()):
                out.append(f"layer {op.index} {op.kind} leaves out its input {pos}, which it needs")
            if not known and x not in ever_written:
                continue        # a custom op's scratch tensor (Ethos-U): its own to fill
            if 0 <= x < n and not g.t(x).is_const and x not in written:
                out.append(f"layer {op.index} {op.kind} reads tensor {x} before any layer writes "
                           "it (operators not in execution order, or a cycle)")
        for y in op.outputs:
            if not 0 <= y < n:
                continue
            if g.t(y).is_const:
                out.append(f"layer {op.index} {op.kind} writes constant tensor {y}")
            elif y in written and not g.t(y).variable:
                out.append(f"tensor {y} is written twice (again by layer {op.index} {op.kind})")
            written.add(y)
    for x in (x for x in g.outputs if 0 <= x < n):
        if x not in written and not g.t(x).is_const:
            out.append(f"model output tensor {x} is never written")
    return out


def _indices_ok(g: Graph, op) -> bool:
    n = len(g.tensors)
    return all(-1 <= x < n for x in op.inputs) and all(0 <= y < n for y in op.outputs)


def problems(g: Graph) -> list[str]:
    """Every problem found (see module docstring), in model order."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")          # damaged numbers are reported, not warned
        return _problems(g)


def _problems(g: Graph) -> list[str]:
    out = list(g.problems)
    known = [op for op in g.ops if op.kind in SPECS]
    used = {x for op in known for x in op.inputs + op.outputs if x >= 0}
    used.update(x for x in g.inputs + g.outputs if x >= 0)
    computed = {x for op in known if not SPECS[op.kind].alias
                for x in op.inputs + op.outputs if x >= 0}
    for t in g.tensors:
        out += _tensor_problems(t, t.index in used, t.index in computed)
    out += _graph_problems(g)
    if any(p.startswith(("tensor", "layer")) and "past the end" in p for p in g.problems):
        return out
    for op in g.ops:
        spec = SPECS.get(op.kind)
        if spec is None or not _indices_ok(g, op):
            continue
        if len(op.inputs) < spec.inputs:
            out.append(f"layer {op.index} {op.kind} has {len(op.inputs)} inputs, it needs "
                       f"{spec.inputs}")
            continue
        try:
            out += [f"layer {op.index} {op.kind}: {p}" for p in spec.verify(g, op)]
        except (IndexError, KeyError, TypeError, ValueError, ZeroDivisionError):
            out.append(f"layer {op.index} {op.kind}: inputs or options do not have the "
                       "form this op needs")
    return out


def verify(g: Graph, where: str = "model") -> None:
    """Raise ModelError naming the problems (at most SHOWN, then a count) if any."""
    found = problems(g)
    if not found:
        return
    more = f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    raise ModelError(f"{where}: the model is malformed: {'; '.join(found[:SHOWN])}{more}; "
                     "re-export it with the TFLite converter")
