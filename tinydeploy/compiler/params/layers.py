"""The parameter structs of the convolution, fully connected, pooling, elementwise,
activation, softmax, reduce, pad, concatenation and requantize kernels."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from .base import Params


@dataclass
class ConvParams(Params):
    C_TYPE: ClassVar[str] = "td_conv_params_t"
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
    dil_h: int
    dil_w: int
    pad_h: int
    pad_w: int
    filter_in_c: int
    depth_mult: int
    in_offset: int
    out_offset: int
    act_min: int
    act_max: int
    weights: str
    bias: str | None
    mult: str | None
    shift: str | None
    # fast paths only (None for the reference kernels): see td_kernels.h
    acc0: str | None = None
    rq: str | None = None
    scratch: str | None = None


@dataclass
class FcParams(Params):
    C_TYPE: ClassVar[str] = "td_fc_params_t"
    batches: int
    in_depth: int
    out_n: int
    in_offset: int
    w_offset: int
    out_offset: int
    act_min: int
    act_max: int
    per_channel: int
    weights: str
    bias: str | None
    mult: str | None
    shift: str | None
    # td_fully_connected_rows4_s8 only (None otherwise)
    acc0: str | None = None
    rq: str | None = None
    scratch: str | None = None    # td_fully_connected_nm_s8 only: its input table


@dataclass
class PoolParams(Params):
    C_TYPE: ClassVar[str] = "td_pool_params_t"
    batches: int
    in_h: int
    in_w: int
    c: int
    out_h: int
    out_w: int
    k_h: int
    k_w: int
    stride_h: int
    stride_w: int
    pad_h: int
    pad_w: int
    act_min: int
    act_max: int


@dataclass
class BinaryParams(Params):
    C_TYPE: ClassVar[str] = "td_binary_params_t"
    size: int
    ndim: int
    dims: list[int]
    strides1: list[int]
    strides2: list[int]
    in1_offset: int
    in2_offset: int
    out_offset: int
    left_shift: int
    in1_mult: int
    in1_shift: int
    in2_mult: int
    in2_shift: int
    out_mult: int
    out_shift: int
    act_min: int
    act_max: int
    # ADD fast path: input tables and the sum's requantization (td_kernels.h)
    lut: str | None = None
    out_rq: list[int] = field(default_factory=lambda: [0, 0, 0, 0])


@dataclass
class SoftmaxParams(Params):
    C_TYPE: ClassVar[str] = "td_softmax_params_t"
    outer: int
    depth: int
    in_mult: int
    in_left_shift: int
    diff_min: int


@dataclass
class LogSoftmaxParams(Params):
    C_TYPE: ClassVar[str] = "td_log_softmax_params_t"
    outer: int
    depth: int
    in_mult: int
    in_left_shift: int
    rev_div: int
    rev_shift: int
    diff_min: int


@dataclass
class LogisticParams(Params):
    C_TYPE: ClassVar[str] = "td_logistic_params_t"
    size: int
    in_zp: int
    range_radius: int
    in_mult: int
    in_left_shift: int


@dataclass
class ReduceParams(Params):
    C_TYPE: ClassVar[str] = "td_reduce_params_t"
    out_size: int
    n_kept: int
    kept_dims: list[int]
    kept_strides: list[int]
    n_red: int
    red_dims: list[int]
    red_strides: list[int]
    count: int
    in_zp: int
    out_zp: int
    mult: int
    shift: int


@dataclass
class PadParams(Params):
    C_TYPE: ClassVar[str] = "td_pad_params_t"
    in_dims: list[int]
    out_dims: list[int]
    before: list[int]
    value: int


@dataclass
class ConcatParams(Params):
    C_TYPE: ClassVar[str] = "td_concat_params_t"
    outer: int
    n_inputs: int
    in_inner: str


@dataclass
class RequantParams(Params):
    C_TYPE: ClassVar[str] = "td_requant_params_t"
    size: int
    in_zp: int
    out_zp: int
    mult: int
    shift: int
    act_min: int
    act_max: int


@dataclass
class RequantS16Params(Params):
    C_TYPE: ClassVar[str] = "td_requant_s16_params_t"
    size: int
    in_zp: int
    out_zp: int
    mult: int
    shift: int
    act_min: int
    act_max: int
    in_bytes: int
    out_bytes: int


# activations (LEAKY_RELU, HARD_SWISH, TANH, ELU, ABS, RSQRT) and L2_NORMALIZATION
@dataclass
class LutParams(Params):
    C_TYPE: ClassVar[str] = "td_lut_params_t"
    size: int
    table: str


@dataclass
class LeakyReluS16Params(Params):
    C_TYPE: ClassVar[str] = "td_leaky_relu_s16_params_t"
    size: int
    in_zp: int
    out_zp: int
    mult_id: int
    shift_id: int
    mult_alpha: int
    shift_alpha: int


@dataclass
class L2NormParams(Params):
    C_TYPE: ClassVar[str] = "td_l2norm_params_t"
    outer: int
    depth: int
    in_zp: int


ALL = (ConvParams, FcParams, PoolParams, BinaryParams, SoftmaxParams, LogSoftmaxParams,
       LogisticParams,
       ReduceParams, PadParams, ConcatParams, RequantParams, RequantS16Params, LutParams,
       LeakyReluS16Params,
       L2NormParams)
