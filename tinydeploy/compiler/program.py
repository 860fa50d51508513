"""The lowered program: kernel calls with baked constants, ready for planning and codegen.

A Layer is one kernel call: its C function, its parameter block (a params.Params
dataclass, one per C struct), its data arguments (TensorArg: an arena tensor; ConstArg: a
constant array; ListArg: a pointer array of either), the activation tensors it reads and
writes and the constant arrays it owns. Aliasing layers (RESHAPE-like) have no kernel.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ModelError
from . import quant
from .cnames import layer_symbol
from .ir import Graph, Op, Tensor
from .params import IN_PLACE_KERNELS, Params


@dataclass
class Const:
    name: str            # C identifier, unique in the model
    ctype: str           # "int8_t" or "int32_t"
    values: np.ndarray   # flat
    shape: tuple[int, ...] = ()   # the shape it had in the model (for the C comment)

    @property
    def nbytes(self) -> int:
        return int(self.values.size) * (1 if self.ctype == "int8_t" else 4)


@dataclass(frozen=True)
class TensorArg:
    tensor: int          # an activation tensor in the arena


@dataclass(frozen=True)
class ConstArg:
    name: str            # a constant array


@dataclass(frozen=True)
class ListArg:
    items: tuple         # TensorArg | ConstArg, passed as one `const int8_t *const[]`


@dataclass
class Layer:
    index: int                     # operator index in the .tflite (first op of a fused pattern)
    op: str
    output: int
    inputs: list[int]              # activation tensors read
    kernel: str | None = None      # C function; None for aliases
    params: Params | None = None   # the C parameter block
    args: list = field(default_factory=list)   # kernel data args: TensorArg / ConstArg / ListArg
    consts: list[Const] = field(default_factory=list)
    macs: int = 0
    weight_bytes: int = 0          # int8 weights + int32 bias as stored in the .tflite
    alias_of: int | None = None    # RESHAPE-like: output shares the input's memory
    fused: list[int] = field(default_factory=list)   # further .tflite op indices folded in
    inplace: list[int] = field(default_factory=list)  # inputs the kernel may overwrite with its output
    scratch: int = 0               # bytes of arena the kernel needs during its call only
    part: int | None = None        # k-th kernel call of a multi-output op (SPLIT, UNPACK, ...)
    encoding: str = "dense"        # how its weights are stored (WEIGHT_POLICIES, not "auto")
    dense_const_bytes: int | None = None   # its constants stored dense, when encoded otherwise

    @property
    def const_bytes(self) -> int:
        """Flash its constant arrays take as stored."""
        return sum(c.nbytes for c in self.consts)

    @property
    def tag(self) -> str:
        """What names the layer's generated symbols: its .tflite index, plus `o{part}`
        for the k-th call of a multi-output op (cnames.layer_symbol)."""
        return str(self.index) if self.part is None else f"{self.index}o{self.part}"

    @property
    def ptype(self) -> str | None:
        """The C parameter struct type."""
        return self.params.C_TYPE if self.params is not None else None


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
        return sum(layer.const_bytes for layer in self.layers)


# How weights may be stored: "auto" picks per layer the smallest encoding the weights allow
# (pruned or clustered ones) when it saves flash; "dense" keeps every layer dense; any other
# name forces that encoding on every layer it applies to.
WEIGHT_POLICIES = ("auto", "dense", "sparse", "palette", "sparse-palette", "nm")


class LowerContext:
    """Shared helpers for the per-op lowering functions."""

    def __init__(self, g: Graph, weights: str = "auto", dense_layers: frozenset = frozenset()):
        if weights not in WEIGHT_POLICIES:
            raise ModelError(f"weight storage '{weights}' is not one of "
                             f"{', '.join(WEIGHT_POLICIES)}")
        self.g = g
        self.weights = weights
        self.dense_layers = dense_layers    # .tflite op indices kept dense whatever the policy

    def const(self, consts: list, op: Op, what: str, ctype: str, values) -> str:
        arr = np.asarray(values)
        c = Const(layer_symbol(op.index, what), ctype, arr.reshape(-1), tuple(arr.shape))
        consts.append(c)
        return c.name

    def data_arg(self, consts: list, op: Op, ti: int, what: str) -> TensorArg | ConstArg:
        """An input as a kernel argument: an arena tensor, or an int8 constant array."""
        t = self.g.t(ti)
        if t.is_const:
            return ConstArg(self.const(consts, op, what, "int8_t", t.const_data.astype(np.int8)))
        return TensorArg(ti)

    def act(self, op: Op, out: Tensor) -> tuple[int, int]:
        try:
            rng = (-32768, 32767) if out.dtype == "int16" else (quant.INT8_MIN, quant.INT8_MAX)
            return quant.activation_range(op.options.get("activation", "NONE"), out.scale,
                                          out.zero_point, *rng)
        except ValueError as exc:
            raise ModelError(f"layer {op.index} {op.kind}: {exc}") from None

    def unary(self, op: Op, kernel: str, params: Params) -> Layer:
        """A kernel with one activation input and one output."""
        return Layer(index=op.index, op=op.kind, kernel=kernel, params=params,
                     args=[TensorArg(op.inputs[0])], inputs=[op.inputs[0]],
                     output=op.outputs[0])

    def in_place_inputs(self, layer: Layer) -> list[int]:
        """Inputs the layer's kernel may overwrite (IN_PLACE_KERNELS, same size)."""
        if layer.kernel not in IN_PLACE_KERNELS:
            return []
        size = self.g.t(layer.output).size
        return [t for t in layer.inputs if self.g.t(t).size == size]
