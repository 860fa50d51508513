"""Quantization arithmetic done at generation time, exactly as TFLite Micro's Prepare does it.

Every function mirrors one in TFLite's quantization_util / kernel_util so the multipliers
and shifts we bake into C are the very integers TFLite Micro computes at run time.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import DataError

INT8_MIN, INT8_MAX = -128, 127


def round_half_away(x: float) -> int:
    """std::round / roundf: halves away from zero."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """QuantizeMultiplier: real = q * 2^(shift-31), q a Q31 int32; shift may be +/-."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = round_half_away(q * (1 << 31))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > 30:
        return (1 << 31) - 1, 30
    return q_fixed, shift


def quantize_multiplier_gt_one(real: float) -> tuple[int, int]:
    """QuantizeMultiplierGreaterThanOne: the shift is a left shift >= 0."""
    m, s = quantize_multiplier(real)
    if s < 0:
        raise ValueError(f"multiplier {real} is below one")
    return m, s


def activation_range(activation: str, scale: float, zero_point: int, lo: int = INT8_MIN,
                     hi: int = INT8_MAX) -> tuple[int, int]:
    """CalculateActivationRangeQuantized for outputs of range [lo, hi] (int8 by default;
    f / scale in float32)."""
    def q(f: float) -> int:
        return zero_point + round_half_away(float(np.float32(f) / np.float32(scale)))
    if activation == "NONE":
        return lo, hi
    if activation == "RELU":
        return max(lo, q(0.0)), hi
    if activation == "RELU6":
        return max(lo, q(0.0)), min(hi, q(6.0))
    if activation == "RELU_N1_TO_1":
        return max(lo, q(-1.0)), min(hi, q(1.0))
    raise ValueError(f"fused activation {activation} is not supported")


def per_channel_multipliers(in_scale: float, w_scales: np.ndarray, out_scale: float,
                            channels: int) -> tuple[list[int], list[int]]:
    """PopulateConvolutionQuantizationParams: one (multiplier, shift) per output channel."""
    scales = np.broadcast_to(np.asarray(w_scales, np.float32), (channels,))
    mults, shifts = [], []
    for s in scales:
        m, sh = quantize_multiplier(float(in_scale) * float(s) / float(out_scale))
        mults.append(m)
        shifts.append(sh)
    return mults, shifts


def input_radius(integer_bits: int, left_shift: int, total_bits: int = 31) -> int:
    """CalculateInputRadius."""
    max_rescaled = (1.0 * ((1 << integer_bits) - 1) * (1 << (total_bits - integer_bits))
                    / (1 << left_shift))
    return int(math.floor(max_rescaled))


def check_finite(x: np.ndarray, what: str = "inputs") -> None:
    """DataError naming the first NaN or infinity (index and value) and how many there are:
    a cast would feed int8 0, not the zero point, without a word."""
    if x.dtype.kind != "f":
        return
    bad = ~np.isfinite(x)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise DataError(f"{what}: value {x[idx].item()!r} at index {list(idx)} is not a finite "
                        f"number ({int(bad.sum())} such values); fix the data")


def _quantized(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """x / scale in float32, rounded half away from zero, plus the zero point (unclamped)."""
    q = x.astype(np.float32) / np.float32(scale)
    return np.sign(q) * np.floor(np.abs(q) + np.float32(0.5)) + zero_point


def out_of_int8(x: np.ndarray, scale: float, zero_point: int) -> int:
    """How many of the real values x quantize outside int8 (and get clamped)."""
    q = _quantized(x, scale, zero_point)
    return int(((q < -128) | (q > 127)).sum())


def quantize_inputs(x: np.ndarray, shape: tuple, scale: float, zero_point: int,
                    refuse_clamped: str | None = None, hint: str = "fix the data") -> np.ndarray:
    """int8 arrays pass through; anything else is real-valued and quantized as TFLite does
    (x / scale in float32, rounded half away from zero, plus the zero point, clamped).
    With `refuse_clamped` (a name for the message), an integer array (e.g. uint16 raw
    codes meant for a wider input) with a value that would be clamped is a DataError ending
    in `hint`."""
    per_sample = tuple(shape[1:])
    size = int(np.prod(per_sample, dtype=np.int64))
    if x.shape == per_sample:
        x = x[None]
    if x.ndim >= 1 and x.size == x.shape[0] * size:
        x = x.reshape((x.shape[0],) + per_sample)
    else:
        raise DataError(f"inputs have shape {list(x.shape)}; the model takes "
                        f"{list(per_sample)} per sample (give [N, {', '.join(map(str, per_sample))}])")
    if x.dtype == np.int8:
        return x
    if not np.issubdtype(x.dtype, np.number):
        raise DataError(f"inputs have dtype {x.dtype}; give int8 or real-valued arrays")
    check_finite(x)
    q = _quantized(x, scale, zero_point)
    if refuse_clamped is not None and x.dtype.kind in "iu":
        out = (q < -128) | (q > 127)
        if out.any():
            idx = tuple(int(i) for i in np.argwhere(out)[0])
            lo, hi = (float(np.float32(scale) * (v - zero_point)) for v in (-128, 127))
            raise DataError(
                f"{refuse_clamped}: value {x[idx].item()!r} at index {list(idx)} is outside "
                f"what the int8 input represents ({lo:g}..{hi:g}; {int(out.sum())} such "
                f"values); {hint}")
    return np.clip(q, -128, 127).astype(np.int8)
