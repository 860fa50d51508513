"""The typed contract between the lowered program and the C kernels (td_kernels.h), one
module per kernel family (base: what all share).

One dataclass per C parameter struct, with the struct's fields in the struct's order (a
unit test parses td_kernels.h and checks them, so a field the C has and the lowering
forgets cannot be zero-filled silently by a designated initializer). Values are ints,
float, lists (C arrays) or the name of a constant array (pointer fields; None is NULL).

KERNELS_VERSION is the version of td_kernels.h the generated C is written for: the header
defines TD_KERNELS_VERSION and td_model.c refuses to compile against any other. Raise both
together when a struct or a kernel signature changes.
"""
from .base import IN_PLACE_KERNELS, KERNELS_VERSION, MAX_DIMS, Params
from .boundary import ALL as _BOUNDARY
from .boundary import ArgMinMaxParams, DequantizeParams, QuantizeF32Params
from .encoded import ALL as _ENCODED
from .encoded import ConvPaletteParams, FcPaletteParams
from .layers import ALL as _LAYERS
from .layers import (
    BinaryParams,
    ConcatParams,
    ConvParams,
    FcParams,
    L2NormParams,
    LeakyReluS16Params,
    LogisticParams,
    LogSoftmaxParams,
    LutParams,
    PadParams,
    PoolParams,
    ReduceParams,
    RequantParams,
    RequantS16Params,
    SoftmaxParams,
)
from .matmul import ALL as _MATMUL
from .matmul import BatchMatMulParams, TransposeConvParams
from .movement import ALL as _MOVEMENT
from .movement import CopyParams, GatherParams, MirrorPadParams, ResizeParams

ALL_PARAMS: tuple[type[Params], ...] = _LAYERS + _MOVEMENT + _MATMUL + _BOUNDARY + _ENCODED

__all__ = [
    "ALL_PARAMS", "IN_PLACE_KERNELS", "KERNELS_VERSION", "MAX_DIMS", "Params",
    "ArgMinMaxParams", "BatchMatMulParams", "BinaryParams", "ConcatParams", "ConvPaletteParams",
    "ConvParams", "CopyParams", "DequantizeParams", "FcPaletteParams", "FcParams",
    "GatherParams", "L2NormParams", "LeakyReluS16Params", "LogisticParams",
    "LogSoftmaxParams", "LutParams", "MirrorPadParams",
    "PadParams", "PoolParams", "QuantizeF32Params", "ReduceParams", "RequantParams", "RequantS16Params",
    "ResizeParams", "SoftmaxParams", "TransposeConvParams"]
