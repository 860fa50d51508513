"""The parameter structs of the data-movement kernels (lower/shape.py, lower/resize.py,
lower/pad.py's MIRROR_PAD)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .base import Params


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


ALL = (CopyParams, GatherParams, MirrorPadParams, ResizeParams)
