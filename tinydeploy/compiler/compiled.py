"""One compiled model, handed along from the command line to every stage.

Contract: `compile_model(path_or_bytes)` reads the .tflite once, validates it, lowers it
and plans its memory, and returns a Compiled(graph, program, plan, tflite_bytes, path);
errors are one-line ModelErrors (reader.py, validate.py). `compile_graph(graph, bytes)`
does the same for a graph already parsed. `as_compiled(x)` passes a Compiled through and
compiles anything else: library entry points take either, so a model is compiled once at
the edge (the CLI) and never re-read further down.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .ir import Graph
from .lower import lower
from .planner import Plan, plan
from .program import Program
from .reader import parse, read_tflite
from .validate import validate
from .verify import verify


@dataclass(frozen=True)
class Compiled:
    graph: Graph            # the model as read (lowering does not change it)
    program: Program        # kernel calls with baked constants (program.graph: lowered view)
    plan: Plan              # arena offsets of every activation tensor
    tflite_bytes: bytes     # the flatbuffer, embedded in the generated C for TFLM users
    path: Path | None = None    # where it was read from; None when compiled from bytes
    weights: str = "auto"   # the weight-storage policy it was lowered with (WEIGHT_POLICIES)
    dense_layers: frozenset = frozenset()   # .tflite op indices kept dense all the same

    @property
    def name(self) -> str:
        return self.graph.name


def compile_graph(g: Graph, tflite_bytes: bytes, path: Path | None = None,
                  where: str = "model", weights: str = "auto",
                  dense_layers: frozenset = frozenset()) -> Compiled:
    """Verify, validate, lower (with the weight-storage policy `weights`, the layers of
    `dense_layers` kept dense) and plan a parsed graph."""
    verify(g, where=where)
    validate(g, where=where)
    program = lower(g, weights=weights, dense_layers=dense_layers)
    return Compiled(g, program, plan(program), tflite_bytes, path, weights, dense_layers)


def compile_model(model: str | Path | bytes, weights: str = "auto",
                  dense_layers: frozenset = frozenset()) -> Compiled:
    """Compile a .tflite file (or its bytes); see the module docstring."""
    if isinstance(model, (bytes, bytearray)):
        buf = bytes(model)
        return compile_graph(parse(buf), buf, weights=weights, dense_layers=dense_layers)
    p = Path(model)
    buf = read_tflite(p)
    g = parse(buf, name=p.stem)
    g.name = p.stem
    return compile_graph(g, buf, p, where=str(p), weights=weights, dense_layers=dense_layers)


def as_compiled(model: Compiled | str | Path | bytes) -> Compiled:
    """`model` itself if it is compiled already, else compile_model(model)."""
    return model if isinstance(model, Compiled) else compile_model(model)
