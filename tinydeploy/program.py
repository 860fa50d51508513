"""The lowered program: kernel calls with baked constants, ready for planning and codegen."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import quant
from .errors import ModelError
from .ir import Graph, Op, Tensor


@dataclass
class Const:
    name: str            # C identifier, unique in the model
    ctype: str           # "int8_t" or "int32_t"
    values: np.ndarray   # flat

    @property
    def nbytes(self) -> int:
        return int(self.values.size) * (1 if self.ctype == "int8_t" else 4)


@dataclass
class Layer:
    index: int                     # operator index in the .tflite (first op of a fused pattern)
    op: str
    kernel: str | None             # C function; None for aliases
    ptype: str | None              # C parameter struct type
    params: dict                   # struct field -> int | float | list | const name | None
    args: list                     # kernel data args: ("t", tensor) / ("c", const name) / ("list", [args])
    inputs: list[int]              # activation tensors read
    output: int
    consts: list[Const] = field(default_factory=list)
    macs: int = 0
    weight_bytes: int = 0          # int8 weights + int32 bias as stored in the .tflite
    alias_of: int | None = None    # RESHAPE-like: output shares the input's memory
    fused: list[int] = field(default_factory=list)   # further .tflite op indices folded in
    inplace: list[int] = field(default_factory=list)  # inputs the kernel may overwrite with its output
    scratch: int = 0               # bytes of arena the kernel needs during its call only


# A parameter value that codegen replaces with the layer's planned scratch buffer.
SCRATCH = "@scratch"


@dataclass
class Program:
    graph: Graph
    layers: list[Layer]

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def weight_bytes(self) -> int:
        return sum(layer.weight_bytes for layer in self.layers)

    @property
    def const_bytes(self) -> int:
        return sum(c.nbytes for layer in self.layers for c in layer.consts)


class LowerContext:
    """Shared helpers for the per-op lowering functions."""

    def __init__(self, g: Graph):
        self.g = g

    def const(self, consts: list, op: Op, what: str, ctype: str, values) -> str:
        c = Const(f"td_l{op.index}_{what}", ctype, np.asarray(values).reshape(-1))
        consts.append(c)
        return c.name

    def data_arg(self, consts: list, op: Op, ti: int, what: str) -> tuple:
        """An input as a kernel argument: an arena tensor, or an int8 constant array."""
        t = self.g.t(ti)
        if t.is_const:
            return ("c", self.const(consts, op, what, "int8_t", t.data.astype(np.int8)))
        return ("t", ti)

    def act(self, op: Op, out: Tensor) -> tuple[int, int]:
        try:
            return quant.activation_range(op.options.get("activation", "NONE"), out.scale,
                                          out.zero_point)
        except ValueError as exc:
            raise ModelError(f"layer {op.index} {op.kind}: {exc}") from None
