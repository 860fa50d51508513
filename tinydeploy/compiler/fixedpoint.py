"""gemmlowp's fixed-point arithmetic on Python ints, with C's int16/int32 wrapping, for
tables computed at build time (lower/activation_tables.py).

Every function mirrors one of gemmlowp (fixedpoint.h) or TFLite's reference kernels as
TFLite Micro compiles them; the integer-bit counts that gemmlowp makes template
parameters are arguments here. Results are what the C++ computes for every input,
including the saturating and wrapping corners.
"""
from __future__ import annotations

INT16_MIN, INT16_MAX = -(1 << 15), (1 << 15) - 1
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def wrap16(x: int) -> int:
    return ((x + (1 << 15)) & 0xFFFF) - (1 << 15)


def wrap32(x: int) -> int:
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def _trunc_div(a: int, b: int) -> int:
    """C integer division (toward zero), b > 0."""
    return a // b if a >= 0 else -((-a) // b)


# ------------------------------------------------------------------ int32 (Q31 raw values)

def srdhm(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul on int32."""
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    return wrap32(_trunc_div(ab + nudge, 1 << 31))


def rdbpot(x: int, exponent: int, bits: int = 32) -> int:
    """RoundingDivideByPOT on an int of `bits` bits (16 or 32): the mask is the int type's
    (1 << exponent) - 1, wrapped, as the C++ template computes it."""
    wrap = wrap16 if bits == 16 else wrap32
    mask = wrap((1 << exponent) - 1)
    remainder = wrap(x & mask)
    threshold = wrap((mask >> 1) + (1 if x < 0 else 0))
    return wrap((x >> exponent) + (1 if remainder > threshold else 0))


def srmbpot(x: int, exponent: int) -> int:
    """SaturatingRoundingMultiplyByPOT on int32."""
    if exponent == 0:
        return x
    if exponent < 0:
        return rdbpot(x, -exponent)
    threshold = (1 << (31 - exponent)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return wrap32(x << exponent)


def rounding_half_sum(a: int, b: int) -> int:
    s = a + b
    return wrap32(_trunc_div(s + (1 if s >= 0 else -1), 2))


def _exp_on_interval_between_negative_one_quarter_and_0_excl(a: int) -> int:
    constant_term = 1895147668                      # exp(-1/8), Q0.31
    constant_1_over_3 = 715827883
    x = wrap32(a + (1 << 28))
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = srmbpot(x4, -2)
    poly = srmbpot(wrap32(srdhm(wrap32(x4_over_4 + x3), constant_1_over_3) + x2), -1)
    return wrap32(constant_term + srdhm(constant_term, wrap32(x + poly)))


def exp_on_negative_values(a: int, integer_bits: int) -> int:
    """exp(a) for a <= 0 given with `integer_bits` integer bits; result Q0.31."""
    fractional_bits = 31 - integer_bits
    one_quarter = 1 << (fractional_bits - 2)
    mask = one_quarter - 1
    a_mod_quarter_minus_one_quarter = wrap32((a & mask) - one_quarter)
    result = _exp_on_interval_between_negative_one_quarter_and_0_excl(
        srmbpot(a_mod_quarter_minus_one_quarter, integer_bits))
    remainder = wrap32(a_mod_quarter_minus_one_quarter - a)
    multipliers = {-2: 1672461947, -1: 1302514674, 0: 790015084, 1: 290630308,
                   2: 39332535, 3: 720401, 4: 242}
    for e in range(-2, 5):
        if integer_bits > e and remainder & (1 << (fractional_bits + e)):
            result = srdhm(result, multipliers[e])
    if integer_bits > 5 and a < -(1 << (36 - integer_bits)):
        result = 0
    if a == 0:
        result = INT32_MAX
    return result


def one_minus_x_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    """(1 - a) / (1 + a) for a in [0, 1], Q0.31 in and out (Newton-Raphson in Q2.29)."""
    f2_one = 1 << 29
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = wrap32(1515870810 + srdhm(half_denominator, -1010580540))   # 48/17 - 32/17 d
    for _ in range(3):
        one_minus = wrap32(f2_one - srdhm(half_denominator, x))
        x = wrap32(x + srmbpot(srdhm(x, one_minus), 2))
    return srmbpot(wrap32(x - f2_one), 2)


def tanh(a: int, integer_bits: int) -> int:
    """gemmlowp tanh: `a` with `integer_bits` integer bits, result Q0.31."""
    if a == 0:
        return 0
    n = a if a < 0 else wrap32(-a)
    # neg_tanh_on_negative_values: exp of 2n (ExactMulByPot<1>: one more integer bit)
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1))
    return wrap32(-t) if a < 0 else t


def inv_sqrt_multiplier_exp(x: int) -> tuple[int, int]:
    """GetInvSqrtQuantizedMultiplierExp(x, kReverseShift = -1) for x >= 0: 1 / sqrt(x) as
    a Q31 multiplier and a left shift (<= 0), Newton-Raphson in Q3.28."""
    if x <= 1:
        return INT32_MAX, 0
    shift = 11
    while x >= (1 << 29):
        x = _trunc_div(x, 4)
        shift += 1
    pairs = (32 - x.bit_length() - 1) // 2 - 1
    shift -= pairs
    x <<= 2 * pairs
    half_input = srmbpot(x >> 1, -1)
    half_three = (1 << 28) + (1 << 27)
    r = 1 << 28
    for _ in range(5):
        r3 = srmbpot(srdhm(srdhm(r, r), r), 6)
        r = srmbpot(wrap32(srdhm(half_three, r) - srdhm(half_input, r3)), 3)
    r = srdhm(r, 1518500250)                        # sqrt(2) / 2, Q0.31
    if shift < 0:
        r = wrap32(r << -shift)
        shift = 0
    return r, -shift


# ------------------------------------------------------------------ int16 (hard swish)

def srdhm16(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul on int16."""
    if a == b == INT16_MIN:
        return INT16_MAX
    ab = a * b
    nudge = (1 << 14) if ab >= 0 else 1 - (1 << 14)
    return wrap16(_trunc_div(ab + nudge, 1 << 15))


def sdhm16(a: int, b: int) -> int:
    """SaturatingDoublingHighMul on int16: like srdhm16, rounding toward zero."""
    if a == b == INT16_MIN:
        return INT16_MAX
    return wrap16(_trunc_div(a * b, 1 << 15))


def saturating_left_shift16(value: int, amount: int) -> int:
    return max(INT16_MIN, min(INT16_MAX, value * (1 << amount)))


def downscale_to_int16_multiplier(m: int) -> int:
    """DownScaleInt32ToInt16Multiplier: a Q31 multiplier (>= 0) as Q15."""
    if m >= INT32_MAX - (1 << 15):
        return INT16_MAX
    return (m + (1 << 15)) >> 16
