/* Fixed-point helpers with TFLite Micro's exact rounding (gemmlowp semantics).
 * Signed overflow is avoided by doing wrapping arithmetic in uint32_t where the
 * reference relies on two's complement; results are identical. */
#ifndef TD_FIXEDPOINT_H
#define TD_FIXEDPOINT_H

#include <stdint.h>

#define TD_INT32_MIN ((int32_t)(-2147483647 - 1))
#define TD_INT32_MAX ((int32_t)2147483647)

static inline int32_t td_min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t td_max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t td_clamp_i32(int32_t x, int32_t lo, int32_t hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

/* gemmlowp SaturatingRoundingDoublingHighMul. */
static inline int32_t td_srdhm(int32_t a, int32_t b) {
    if (a == b && a == TD_INT32_MIN) return TD_INT32_MAX;
    {
        int64_t ab = (int64_t)a * (int64_t)b;
        int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
        return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
    }
}

/* gemmlowp RoundingDivideByPOT: round half away from zero. */
static inline int32_t td_rdbpot(int32_t x, int exponent) {
    int32_t mask = (int32_t)(((uint32_t)1 << exponent) - 1u);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static inline int32_t td_shl(int32_t x, int s) { return (int32_t)((uint32_t)x << s); }
static inline int32_t td_add_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t td_sub_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }

/* MultiplyByQuantizedMultiplier, double-rounding variant (TFLite Micro's default). */
static inline int32_t td_mbqm(int32_t x, int32_t mult, int32_t shift) {
    int left = shift > 0 ? shift : 0;
    int right = shift > 0 ? 0 : -shift;
    return td_rdbpot(td_srdhm(td_shl(x, left), mult), right);
}

/* SaturatingRoundingMultiplyByPOT with a compile-time-like exponent. */
static inline int32_t td_srmbpot(int32_t x, int exponent) {
    if (exponent == 0) return x;
    if (exponent < 0) return td_rdbpot(x, -exponent);
    {
        int32_t threshold = (int32_t)(((uint32_t)1 << (31 - exponent)) - 1u);
        if (x > threshold) return TD_INT32_MAX;
        if (x < -threshold) return TD_INT32_MIN;
        return td_shl(x, exponent);
    }
}

/* gemmlowp fixed-point transcendental functions used by SOFTMAX and LOGISTIC. */
int32_t td_fp_exp_on_negative_values(int32_t a, int integer_bits);
int32_t td_fp_one_over_one_plus_x_for_x_in_0_1(int32_t a);
int32_t td_fp_logistic(int32_t a, int integer_bits);

#endif
