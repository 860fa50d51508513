"""Static memory plan: tensor lifetimes over the layer order, offsets in one arena.

Contract: `plan(program)` returns a Plan that gives every activation tensor an offset in a
single arena such that no two tensors that are live at the same time overlap. Aliases
(RESHAPE-like layers) share their source's bytes. Graph inputs are live from the start,
graph outputs until the end. A layer whose kernel works in place (Layer.inplace) writes
its output over an input that dies at that layer, when the sizes match and the input is not
a graph input (the harness runs several inferences on one loaded input). A kernel's scratch
buffer (Layer.scratch bytes) is live during its layer only and keyed by scratch_key().
Several placement orders are tried; the smallest arena wins. `overlaps(plan)` lists the
pairs of buffers that are live at the same time and share bytes (none, for a plan made
here); `check(plan)` raises PlanError if there is any.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import TinyDeployError
from .program import Program

ALIGN = 4  # Cortex-M word loads need 4-byte alignment
SCRATCH_ALIGN = 8  # the fast kernels read scratch with LDRD


@dataclass
class Buffer:
    tensor: int      # root tensor index
    size: int        # bytes, aligned
    first: int       # layer index that writes it (-1: graph input)
    last: int        # last layer index that reads it (len(layers): graph output)
    offset: int = 0
    align: int = ALIGN


@dataclass
class Plan:
    arena_bytes: int
    offsets: dict[int, int]      # every activation tensor (aliases included) -> arena offset
    buffers: list[Buffer]


class PlanError(TinyDeployError):
    """Two buffers that are live at the same time share arena bytes."""


def _align(n: int, align: int = ALIGN) -> int:
    return (n + align - 1) // align * align


def lifetimes(program: Program) -> tuple[list[Buffer], dict[int, int]]:
    """Buffers with their live ranges, and the alias map tensor -> root tensor."""
    g = program.graph
    root: dict[int, int] = {}

    def r(t: int) -> int:
        while t in root:
            t = root[t]
        return t

    for layer in program.layers:
        if layer.alias_of is not None:
            root[layer.output] = layer.alias_of
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for t in g.inputs:
        first[r(t)] = -1
        last[r(t)] = -1
    end = len(program.layers)
    for i, layer in enumerate(program.layers):
        for t in layer.inputs:
            last[r(t)] = max(last.get(r(t), i), i)
        o = r(layer.output)
        first.setdefault(o, i)
        last[o] = max(last.get(o, i), i)
    for t in g.outputs:
        last[r(t)] = end
    inputs = {r(t) for t in g.inputs}
    for i, layer in enumerate(program.layers):
        o = r(layer.output)
        for t in layer.inplace:
            rt = r(t)
            if (last[rt] == i and rt not in inputs and rt != o and first.get(o) == i
                    and g.t(rt).nbytes == g.t(o).nbytes):
                root[o] = rt
                last[rt] = last.pop(o)
                del first[o]
                break
    buffers = [Buffer(t, _align(g.t(t).nbytes), first[t], last[t]) for t in first]
    buffers += [Buffer(scratch_key(i), _align(layer.scratch), i, i, align=SCRATCH_ALIGN)
                for i, layer in enumerate(program.layers) if layer.scratch]
    keys = list(root) + list(first) + [b.tensor for b in buffers if b.tensor < 0]
    return buffers, {t: r(t) for t in keys}


def scratch_key(layer_pos: int) -> int:
    """Plan.offsets key of the scratch buffer of the layer at this position in the program
    (negative, so it never collides with a tensor index)."""
    return -1 - layer_pos


def _place(buffers: list[Buffer], order: list[Buffer]) -> int:
    placed: list[Buffer] = []
    for b in order:
        # Lowest offset not overlapping any placed buffer whose lifetime intersects.
        busy = sorted((p.offset, p.offset + p.size) for p in placed
                      if not (p.last < b.first or b.last < p.first))
        offset = 0
        for lo, hi in busy:
            offset = _align(offset, b.align)
            if offset + b.size <= lo:
                break
            offset = max(offset, hi)
        offset = _align(offset, b.align)
        b.offset = offset
        placed.append(b)
    return max((b.offset + b.size for b in buffers), default=0)


def plan(program: Program) -> Plan:
    """Plan the arena (see module docstring)."""
    buffers, roots = lifetimes(program)
    orders = [
        lambda b: (-b.size, b.first),
        lambda b: (b.first, -b.size),
        lambda b: (-(b.last - b.first) * b.size, b.first),
        lambda b: (-(b.last - b.first), -b.size),
    ]
    best, best_offsets = None, None
    for key in orders:
        total = _place(buffers, sorted(buffers, key=key))
        if best is None or total < best:
            best, best_offsets = total, {b.tensor: b.offset for b in buffers}
    assert best_offsets is not None                 # orders is not empty
    for b in buffers:
        b.offset = best_offsets[b.tensor]
    offsets = {t: best_offsets[rt] for t, rt in roots.items()}
    return Plan(best or 0, offsets, buffers)


def _live_together(a: Buffer, b: Buffer) -> bool:
    return not (a.last < b.first or b.last < a.first)


def overlaps(p: Plan) -> list[tuple[Buffer, Buffer]]:
    """Pairs of buffers live at the same time whose byte ranges intersect."""
    found = []
    for i, a in enumerate(p.buffers):
        for b in p.buffers[i + 1:]:
            if (_live_together(a, b) and a.offset < b.offset + b.size
                    and b.offset < a.offset + a.size):
                found.append((a, b))
    return found


def check(p: Plan) -> None:
    """Raise PlanError naming the first overlapping pair, if any (see module docstring)."""
    bad = overlaps(p)
    if bad:
        a, b = bad[0]
        raise PlanError(
            f"memory plan is wrong: tensor {a.tensor} [{a.offset}, {a.offset + a.size}) and "
            f"tensor {b.tensor} [{b.offset}, {b.offset + b.size}) are live together (layers "
            f"{a.first}..{a.last} and {b.first}..{b.last}) and overlap"
            + (f"; {len(bad) - 1} more pair(s)" if len(bad) > 1 else ""))
