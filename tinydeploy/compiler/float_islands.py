"""Float islands: int8 -> DEQUANTIZE -> float elementwise ops -> QUANTIZE -> int8 inside an
int8 model (what TF leaves in float for a Keras ELU, tf.math.square or tf.math.sin), run as
one int8 lookup table (td_lut_s8): each of the 256 int8 inputs gets TFLite Micro's output.

Contract: `islands(g)` maps the index of each QUANTIZE op that ends such a chain to its
Island: the chain's int8 source tensor and float ops, every op in UNARY, every float tensor
read only by the next op of the chain and no model output. `members(g)` are the indices of
the DEQUANTIZE and float ops those QUANTIZE ops absorb (validation and lowering skip them).
`table(g, island)` is the 256 outputs of TFLite Micro's float reference kernels: DEQUANTIZE
multiplies in double and rounds to float, each op computes in float32 (the C library's float
functions through ctypes: numpy's own vectorized ones may round differently), QUANTIZE
divides in float and rounds half away from zero. Where that value is not finite or
overflows int32, TFLite Micro's cast is undefined; the table takes what the x86 reference
gives (INT32_MIN, then the zero point added modulo 2^32, then the clamp).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import math
from dataclasses import dataclass

import numpy as np

from .ir import Graph

_libm = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")


def libm_f(name: str):
    """The C library's float function `name` (expf, erfcf, ...) over a float32 array."""
    fn = getattr(_libm, name)
    fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
    return lambda v: np.array([fn(float(e)) for e in v], np.float32)


_F = np.float32
_expm1f = libm_f("expm1f")
# TFLite Micro's float reference kernels, one float32 array in, one out
UNARY = {
    "ABS": np.abs,
    "NEG": np.negative,
    "SQUARE": lambda v: v * v,
    "RELU": lambda v: np.maximum(v, _F(0)),
    "RELU6": lambda v: np.minimum(np.maximum(v, _F(0)), _F(6)),
    "SQRT": libm_f("sqrtf"),
    "RSQRT": lambda v: _F(1) / libm_f("sqrtf")(v),
    "EXP": libm_f("expf"),
    "LOG": libm_f("logf"),
    "SIN": libm_f("sinf"),
    "COS": libm_f("cosf"),
    "TANH": libm_f("tanhf"),
    "ELU": lambda v: np.where(v < 0, _expm1f(v), v).astype(np.float32),
}


@dataclass(frozen=True)
class Island:
    source: int             # the int8 tensor DEQUANTIZE reads
    output: int             # the int8 tensor QUANTIZE writes
    ops: tuple[int, ...]    # DEQUANTIZE, the float ops, in order (op indices)
    kinds: tuple[str, ...]  # the float ops' kinds


def islands(g: Graph) -> dict[int, Island]:
    """QUANTIZE op index -> the Island it ends (see module docstring)."""
    readers: dict[int, list] = {}
    for op in g.ops:
        for ti in op.inputs:
            readers.setdefault(ti, []).append(op)
    found = {}
    for op in g.ops:
        if op.kind != "DEQUANTIZE" or g.t(op.inputs[0]).dtype != "int8":
            continue
        chain, t = [op.index], op.outputs[0]
        kinds: list[str] = []
        while True:
            nxt = readers.get(t, [])
            if len(nxt) != 1 or t in g.outputs or g.t(t).dtype != "float32":
                break
            r = nxt[0]
            if r.kind == "QUANTIZE" and g.t(r.outputs[0]).dtype == "int8":
                found[r.index] = Island(op.inputs[0], r.outputs[0], tuple(chain), tuple(kinds))
                break
            if r.kind not in UNARY or len(r.inputs) != 1 or len(r.outputs) != 1:
                break
            chain.append(r.index)
            kinds.append(r.kind)
            t = r.outputs[0]
    return found


def members(g: Graph) -> set[int]:
    """The op indices the islands' QUANTIZE ops absorb."""
    return {i for island in islands(g).values() for i in island.ops}


def _quantize(v: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    out = []
    with np.errstate(all="ignore"):
        steps = (v / np.float32(scale)).astype(np.float64)  # a float division
    for q in steps:
        r = math.copysign(math.floor(abs(q) + 0.5), q) if math.isfinite(q) else math.nan
        i = int(r) if math.isfinite(r) and -2**31 <= r < 2**31 else -2**31
        i = (i + zero_point + 2**31) % 2**32 - 2**31        # int32 addition wraps
        out.append(min(max(i, -128), 127))
    return np.array(out, np.int64)


def table(g: Graph, island: Island) -> np.ndarray:
    """The 256 int8 outputs for inputs -128..127 (see module docstring)."""
    src, out = g.t(island.source), g.t(island.output)
    q = np.arange(-128, 128, dtype=np.int64)
    v = (float(np.float32(src.scale)) * (q - src.zero_point)).astype(np.float32)
    for kind in island.kinds:
        v = np.asarray(UNARY[kind](v), np.float32)
    return _quantize(v, float(np.float32(out.scale)), out.zero_point)
