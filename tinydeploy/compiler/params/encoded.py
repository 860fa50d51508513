"""The parameter structs of the palette-weight kernels (issue 19:
compiler/encode_palette.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .base import Params


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


ALL = (FcPaletteParams, ConvPaletteParams)
