"""256-entry int8 tables for the element-wise activations that td_lut_s8 runs: entry
v + 128 is the output for the int8 input v, computed with exactly the integer (or, for
ELU, float32) arithmetic of TFLite Micro's Prepare + Eval for that op, so a table lookup
gives TFLite Micro's bytes.

Each function takes the input and output quantization (scale as the float32 the
flatbuffer stores, zero point) and returns 256 ints in [-128, 127]; ValueError says why a
quantization cannot be taken (TFLite Micro refuses it too, or ignores it).
"""
from __future__ import annotations

import math

import numpy as np

from .. import fixedpoint as fp
from .. import kernel_layout as kl
from .. import quant
from ..float_islands import libm_f

INPUTS = range(-128, 128)


def _f32(x) -> np.float32:
    return np.float32(x)


def _clamp8(v: int) -> int:
    return max(-128, min(127, v))


def leaky_relu_multipliers(in_scale, out_scale, alpha) -> tuple[int, int, int, int]:
    """TFLM's CalculateOpDataLeakyRelu: (identity multiplier, shift, alpha multiplier,
    shift), the float32 scales and alpha combined in double (an int16 output tells float
    from double apart: the SEANet models), then QuantizeMultiplier."""
    s_in, s_out, a = float(_f32(in_scale)), float(_f32(out_scale)), float(_f32(alpha))
    m_alpha, sh_alpha = quant.quantize_multiplier(float(s_in * a / s_out))
    m_id, sh_id = quant.quantize_multiplier(float(s_in / s_out))
    return m_id, sh_id, m_alpha, sh_alpha


def leaky_relu(in_scale, in_zp: int, out_scale, out_zp: int, alpha) -> list[int]:
    """reference_ops::QuantizeLeakyRelu with the multipliers of TFLM's
    CalculateOpDataLeakyRelu (leaky_relu_multipliers)."""
    m_id, sh_id, m_alpha, sh_alpha = leaky_relu_multipliers(in_scale, out_scale, alpha)
    out = []
    for v in INPUTS:
        x = v - in_zp
        if x >= 0:
            y = out_zp + kl.mbqm(x, m_id, sh_id)
        else:
            y = out_zp + kl.mbqm(x, m_alpha, sh_alpha)
        out.append(_clamp8(y))
    return out


def hard_swish(in_scale, in_zp: int, out_scale, out_zp: int) -> list[int]:
    """reference_ops::HardSwish<int8_t> (16-bit fixed point) with TFLM's HardSwishPrepare
    multipliers."""
    hires = _f32(1.0 / 128.0) * _f32(in_scale)
    reluish_scale = _f32(3.0) / _f32(32768.0)
    m32, out_exp = quant.quantize_multiplier(float(hires / _f32(out_scale)))
    if out_exp > 0:
        raise ValueError(f"output scale {float(out_scale)} is below input scale / 128; "
                         "TFLite Micro requires a non-positive output exponent")
    out_m16 = fp.downscale_to_int16_multiplier(m32)
    r32, r_exp = quant.quantize_multiplier(float(hires / reluish_scale))
    r_m16 = fp.downscale_to_int16_multiplier(r32)
    out = []
    for v in INPUTS:
        x = fp.wrap16(v - in_zp)
        x_hires = fp.wrap16(x * (1 << 7))
        x_out = fp.srdhm16(x_hires, out_m16)
        r = x_hires
        if r_exp > 0:
            r = fp.saturating_left_shift16(r, r_exp - 1)
        r = fp.srdhm16(r, r_m16)
        if r_exp > 0:
            r = fp.saturating_left_shift16(r, 1)
        if r_exp < 0:
            r = fp.rdbpot(r, -r_exp, bits=16)
        r = fp.wrap16((r + (1 << 15)) >> 1)
        y = fp.rdbpot(fp.sdhm16(r, x_out), -out_exp, bits=16)
        out.append(_clamp8(fp.wrap16(y + out_zp)))
    return out


def tanh(in_scale, in_zp: int) -> list[int]:
    """reference_integer_ops::Tanh (int8): Q4 input by TFLM's Prepare multiplier, gemmlowp
    tanh, output on the fixed scale 1/128 with zero point 0."""
    real = float(_f32(in_scale)) * float(1 << (31 - 4))
    q, left = math.frexp(real)
    mult = quant.round_half_away(q * (1 << 31))
    radius = quant.input_radius(4, left)
    out = []
    for v in INPUTS:
        x = v - in_zp
        if x <= -radius:
            out.append(-128)
        elif x >= radius:
            out.append(127)
        else:
            t = fp.tanh(kl.mbqm(x, mult, left), 4)
            out.append(_clamp8(fp.rdbpot(t, 31 - 7)))
    return out


def elu(in_scale, in_zp: int, out_scale, out_zp: int) -> list[int]:
    """TFLM elu.cc PopulateLookupTable: float32 dequantize, exp(x) - 1 below zero, float32
    rescale, rounded half away from zero. exp is evaluated in double and rounded to float32
    (what a correctly rounded expf gives)."""
    s_in = _f32(in_scale)
    inv = _f32(1.0) / _f32(out_scale)
    out = []
    for v in INPUTS:
        d = s_in * _f32(v - in_zp)
        t = _f32(_f32(math.exp(float(d))) - _f32(1.0)) if d < 0 else d
        r = quant.round_half_away(float(_f32(t * inv)))
        out.append(_clamp8(int(_f32(r) + _f32(out_zp))))
    return out


def abs_(in_scale, in_zp: int, out_scale, out_zp: int) -> list[int]:
    """TFLM elementwise.cc AbsEvalQuantized (int8): |x - zp_in|, rescaled by the
    QuantizeMultiplier of the scale ratio (in double) only when the float32 scales
    differ, plus zp_out, clamped."""
    s_in, s_out = _f32(in_scale), _f32(out_scale)
    rescale = s_in != s_out
    m, sh = quant.quantize_multiplier(float(s_in) / float(s_out)) if rescale else (0, 0)
    out = []
    for v in INPUTS:
        a = abs(v - in_zp)
        out.append(_clamp8((kl.mbqm(a, m, sh) if rescale else a) + out_zp))
    return out


def rsqrt(in_scale, in_zp: int, out_scale, out_zp: int) -> list[int]:
    """TFLM elementwise.cc RsqrtEvalQuantized (int8) with the multiplier of 1 / (sqrt(s_in)
    * s_out) in double: 127 for x == zp_in, else 1 / sqrt(x - zp_in) in Q20 rescaled.
    TFLite Micro stops with an error on an input below zp_in; its entry holds 127 too."""
    m, sh = quant.quantize_multiplier(1.0 / (math.sqrt(float(_f32(in_scale)))
                                             * float(_f32(out_scale))))
    k_shift = 20                                    # TFLM's kShift: 1/sqrt(x) in Q20
    out = []
    for v in INPUTS:
        x = v - in_zp
        if x <= 0:
            out.append(127)
            continue
        inv, inv_shift = fp.inv_sqrt_multiplier_exp(x)
        data = kl.mbqm(1, inv, inv_shift + k_shift)
        out.append(_clamp8(kl.mbqm(data, m, sh - k_shift) + out_zp))
    return out


def gelu(in_scale, in_zp: int, out_scale, out_zp: int, approximate: bool) -> list[int]:
    """TFLite's gelu.cc (TFLite Micro has no GELU): LUTPopulate over reference_ops'
    GeluTransform, 0.5x erfc(-x / sqrt 2), or with `approximate` GeluTransformApproximate,
    0.5x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), all in float32; the rescale multiplies
    by 1 / output scale and rounds half away from zero, the zero point is added in float."""
    s_in, inv = _f32(in_scale), _f32(1.0) / _f32(out_scale)
    x = np.array([s_in * _f32(v - in_zp) for v in INPUTS], np.float32)
    half = _f32(0.5) * x
    if approximate:
        k = _f32((2.0 / math.sqrt(math.pi)) * math.sqrt(0.5))       # M_2_SQRTPI * M_SQRT1_2
        inner = x + _f32(0.044715) * x * x * x
        y = half * (_f32(1.0) + libm_f("tanhf")(k * inner))
    else:
        y = half * libm_f("erfcf")(x * _f32(-math.sqrt(0.5)))
    out = []
    for t in y:
        r = _f32(quant.round_half_away(float(_f32(t * inv))))
        out.append(_clamp8(int(r + _f32(out_zp))))
    return out
