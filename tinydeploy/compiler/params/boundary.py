"""The parameter structs of the float model boundary (QUANTIZE from float32,
DEQUANTIZE to it) and ARG_MAX / ARG_MIN."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .base import Params


@dataclass
class QuantizeF32Params(Params):
    C_TYPE: ClassVar[str] = "td_quantize_f32_params_t"
    size: int
    zero_point: int
    scale: float


@dataclass
class DequantizeParams(Params):
    C_TYPE: ClassVar[str] = "td_dequantize_params_t"
    size: int
    zero_point: int
    scale: float


@dataclass
class ArgMinMaxParams(Params):
    C_TYPE: ClassVar[str] = "td_arg_minmax_params_t"
    outer: int
    axis_len: int
    inner: int
    is_min: int
    out_bytes: int


ALL = (QuantizeF32Params, DequantizeParams, ArgMinMaxParams)
