"""The graph IR: a typed, TensorFlow-free view of one int8 model.

Contract: a Graph holds tensors (shape, dtype, quantization, constant data) and ops in
execution order. Ops refer to tensors by index; an optional input is -1. Kernel-level
decisions (multipliers, strides) are not made here; see lower.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DTYPE_SIZES = {"int8": 1, "uint8": 1, "int16": 2, "int32": 4, "int64": 8,
               "float32": 4, "float16": 2, "bool": 1}


@dataclass
class Quant:
    """Affine quantization: real = scale * (q - zero_point); per-axis when len > 1."""
    scale: np.ndarray          # float32
    zero_point: np.ndarray     # int64
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return self.scale.size > 1


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    quant: Quant | None = None
    data: np.ndarray | None = None     # constant contents, shaped; None for activations
    variable: bool = False             # state kept across invocations (LSTM, SVDF): it
                                       # holds a value before the first op runs
    int4: bool = False                 # stored as packed INT4 in the .tflite; `data` holds
                                       # the values unpacked to int8 (-8..7)

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def const_data(self) -> np.ndarray:
        """`data` of a tensor the caller knows is constant (checked, or by the op's contract)."""
        assert self.data is not None, f"tensor {self.index} is not a constant"
        return self.data

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def nbytes(self) -> int:
        """Bytes as stored in the .tflite (packed INT4: two values a byte)."""
        return (self.size + 1) // 2 if self.int4 else self.size * DTYPE_SIZES[self.dtype]

    @property
    def scale(self) -> float:
        assert self.quant is not None, f"tensor {self.index} is not quantized"
        return float(self.quant.scale[0])

    @property
    def zero_point(self) -> int:
        assert self.quant is not None, f"tensor {self.index} is not quantized"
        return int(self.quant.zero_point[0])


@dataclass
class Op:
    index: int                       # layer index in the original .tflite
    kind: str                        # builtin name, e.g. "CONV_2D"
    inputs: list[int]
    outputs: list[int]
    options: dict = field(default_factory=dict)


@dataclass
class Graph:
    name: str
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[int]
    outputs: list[int]
    problems: list[str] = field(default_factory=list)   # found while decoding (verify.py reports them)

    def t(self, i: int) -> Tensor:
        return self.tensors[i]

    def consumers(self, tensor_index: int) -> list[Op]:
        return [op for op in self.ops if tensor_index in op.inputs]
