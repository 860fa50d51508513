"""The typed contract between the lowered program and the C kernels (td_kernels.h).

One dataclass per C parameter struct, with the struct's fields in the struct's order (a
unit test parses td_kernels.h and checks them, so a field the C has and the lowering
forgets cannot be zero-filled silently by a designated initializer). Values are ints,
float, lists (C arrays) or the name of a constant array (pointer fields; None is NULL).

KERNELS_VERSION is the version of td_kernels.h the generated C is written for: the header
defines TD_KERNELS_VERSION and td_model.c refuses to compile against any other. Raise both
together when a struct or a kernel signature changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar

KERNELS_VERSION = 6
MAX_DIMS = 6          # TD_MAX_DIMS: the most dimensions a broadcast or tensor info holds

# The one statement of which kernels may write their output over an input of the same size
# (the planner then may give both one buffer): each reads element i (softmax: row i) of the
# input before writing element i of the output.
IN_PLACE_KERNELS = frozenset({
    "td_add_s8", "td_mul_s8", "td_softmax_s8", "td_logistic_s8", "td_requantize_s8",
    "td_sub_s8", "td_maximum_s8", "td_minimum_s8", "td_squared_difference_s8",  # issue 10
    "td_lut_s8", "td_prelu_s8", "td_l2norm_s8"})        # activations, L2_NORMALIZATION


@dataclass
class Params:
    C_TYPE: ClassVar[str]

    def items(self) -> list[tuple[str, object]]:
        """(field, value) in the C struct's order."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


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


# activations (LEAKY_RELU, HARD_SWISH, TANH, ELU, ABS, RSQRT) and L2_NORMALIZATION
@dataclass
class LutParams(Params):
    C_TYPE: ClassVar[str] = "td_lut_params_t"
    size: int
    table: str


@dataclass
class L2NormParams(Params):
    C_TYPE: ClassVar[str] = "td_l2norm_params_t"
    outer: int
    depth: int
    in_zp: int


ALL_PARAMS: tuple[type[Params], ...] = (
    ConvParams, FcParams, PoolParams, BinaryParams, SoftmaxParams, LogisticParams,
    ReduceParams, PadParams, ConcatParams, RequantParams, LutParams, L2NormParams)


# ---- shape / data movement (lower/shape.py, lower/resize.py)

@dataclass
class CopyParams(Params):
    C_TYPE: ClassVar[str] = "td_copy_params_t"
    ndim: int
    dims: list[int]
    strides: list[int]
    offset: int


@dataclass
class GatherParams(Params):
    C_TYPE: ClassVar[str] = "td_gather_params_t"
    outer: int
    axis_size: int
    n_coords: int
    inner: int
    coords: str


@dataclass
class MirrorPadParams(Params):
    C_TYPE: ClassVar[str] = "td_mirror_pad_params_t"
    ndim: int
    dims: list[int]
    inner: int
    src: str


@dataclass
class ResizeParams(Params):
    C_TYPE: ClassVar[str] = "td_resize_params_t"
    batches: int
    in_h: int
    in_w: int
    c: int
    out_h: int
    out_w: int
    ys: str
    xs: str


ALL_PARAMS = ALL_PARAMS + (CopyParams, GatherParams, MirrorPadParams, ResizeParams)


# ---- TRANSPOSE_CONV, BATCH_MATMUL
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


ALL_PARAMS = ALL_PARAMS + (TransposeConvParams, BatchMatMulParams)
# ---- model I/O: float boundary conversion, ARG_MAX / ARG_MIN
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


ALL_PARAMS = ALL_PARAMS + (QuantizeF32Params, DequantizeParams, ArgMinMaxParams)


# ---- palette weights (issue 19): compiler/encode_palette.py
@dataclass
class FcPaletteParams(Params):
    C_TYPE: ClassVar[str] = "td_fc_palette_params_t"
    batches: int
    in_depth: int
    out_n: int
    act_min: int
    act_max: int
    per_channel: int
    bits: int
    table_step: int
    pair_tables: int
    indices: str
    tables: str
    table_of: str | None
    acc0: str
    rq: str
    scratch: str


@dataclass
class ConvPaletteParams(Params):
    C_TYPE: ClassVar[str] = "td_conv_palette_params_t"
    batches: int
    in_h: int
    in_w: int
    in_c: int
    out_h: int
    out_w: int
    out_c: int
    stride_h: int
    stride_w: int
    act_min: int
    act_max: int
    bits: int
    table_step: int
    tile: int
    indices: str
    tables: str
    table_of: str | None
    acc0: str
    rq: str
    scratch: str


ALL_PARAMS = ALL_PARAMS + (FcPaletteParams, ConvPaletteParams)

