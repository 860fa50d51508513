"""The parameter structs of TRANSPOSE_CONV and BATCH_MATMUL."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .base import Params


@dataclass
class TransposeConvParams(Params):
    C_TYPE: ClassVar[str] = "td_transpose_conv_params_t"
    batches: int
    in_h: int
    in_w: int
    in_c: int
    out_h: int
    out_w: int
    out_c: int
    k_h: int
    k_w: int
    stride_h: int
    stride_w: int
    pad_h: int
    pad_w: int
    in_offset: int
    out_offset: int
    act_min: int
    act_max: int
    weights: str
    bias: str | None
    mult: str
    shift: str
    scratch: str | None = None


@dataclass
class BatchMatMulParams(Params):
    C_TYPE: ClassVar[str] = "td_batch_matmul_params_t"
    n_batch: int
    ndim: int
    dims: list[int]
    lhs_strides: list[int]
    rhs_strides: list[int]
    rows: int
    cols: int
    depth: int
    lhs_row_stride: int
    lhs_depth_stride: int
    rhs_depth_stride: int
    rhs_col_stride: int
    lhs_offset: int
    rhs_offset: int
    out_offset: int
    mult: int
    shift: int


ALL = (TransposeConvParams, BatchMatMulParams)
