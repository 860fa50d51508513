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

/* CountLeadingZeros of TFLite's common.h (32 for 0), portable C: the kernels build with
 * any compiler. */
static inline int td_clz(uint32_t x) {
    int n = 0;
    if (x == 0) return 32;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        ++n;
    }
    return n;
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

/* TFLite's MultiplyByQuantizedMultiplier(int64_t x, ...) of the 16x8 kernels: the
 * multiplier reduced to 16 bits, one rounding shift; shift in [-31, 7]. */
static inline int32_t td_mbqm64(int64_t x, int32_t mult, int32_t shift) {
    const int32_t reduced = mult < 0x7FFF0000 ? (mult + (1 << 15)) >> 16 : 0x7FFF;
    const int32_t total = 15 - shift;
    const int64_t r = x * (int64_t)reduced + ((int64_t)1 << (total - 1));
    return (int32_t)(r >> total);
}

/* One-step requantization, prepared at build time (compiler/kernel_layout.py):
 * equal to td_mbqm(acc, mult, shift) + out_zp for every int32 acc, for mult > 0 and
 * -24 <= shift <= -1 (effective scale in [2^-25, 0.5)); outside that range td_mbqm is used.
 *
 * Why it is exact: SaturatingRoundingDoublingHighMul rounds ab / 2^31 half up (its nudge
 * is the same as floor((ab + 2^30) / 2^31), and ab = INT32_MIN^2 cannot occur with mult >
 * 0); RoundingDivideByPOT by e >= 1 is floor((t + 2^(e-1) - [t < 0]) / 2^e), and nested
 * floors of integer divisions collapse, so both roundings are one floor of
 * (ab + 2^30 + 2^(30+e) - [acc < 0] 2^31 + zp 2^(31+e)) / 2^(31+e). (t < 0 and acc < 0
 * differ only where t = 0, and there both branches give the same result.) The constant
 * c = 2^30 + 2^(30+e) + zp 2^(31+e) is c_lo + c_hi 2^32 with, for e >= 2, c_lo = 2^30 and
 * c_hi = 2^(e-2) + zp 2^(e-1); the divide by 2^(31+e) is the high word shifted by e - 1.
 *
 * td_rq64_t stores c whole (ADD/SUB's one output requantization, e = 1 allowed). */
typedef struct {
    uint32_t c_lo;
    int32_t c_hi;
    int32_t mult;
    int32_t rshift;          /* e - 1 */
} td_rq64_t;

static inline int32_t td_rq64_apply(int32_t acc, const td_rq64_t *q) {
    int64_t v = (int64_t)(((uint64_t)(uint32_t)q->c_hi << 32) | q->c_lo);
    v += (int64_t)acc * q->mult;
    v -= (int64_t)((uint32_t)acc & 0x80000000u);
    return (int32_t)((uint64_t)v >> 32) >> q->rshift;
}

/* td_rq_t, the per-channel record of the fast kernels (8 bytes; with the channel's
 * accumulator start 12): e >= 2, c_lo = 2^30 is implied, and one word w holds c_hi (24
 * bits, signed) over the right shift e - 1 (low byte), which is what a register-specified
 * ASR reads of it. Channels whose c_hi needs more bits are re-expressed at build time
 * where an exact equivalent exists (kernel_layout.requant_table). */
typedef struct {
    int32_t mult;
    int32_t w;               /* c_hi << 8 | (e - 1) */
} td_rq_t;

/* x >> (low byte of w): one register-specified ASR (it reads only that byte). */
static inline int32_t td_asr_w(int32_t x, int32_t w) {
#if defined(__thumb2__)
    int32_t y;
    __asm__("asr %0, %1, %2" : "=r"(y) : "r"(x), "r"(w));
    return y;
#else
    return x >> (w & 0xFF);
#endif
}

/* The high word of c + acc * mult - [acc < 0] 2^31 for c_hi (w >> 8): the borrow of
 * 2^30 - [acc < 0] 2^31 goes into the high word as acc >> 31. */
static inline int32_t td_rq_hi(int32_t acc, int32_t mult, int32_t c_hi) {
    const uint32_t lo = 0x40000000u | ((uint32_t)acc & 0x80000000u);
    const int32_t hi = c_hi + (acc >> 31);
    const int64_t v = (int64_t)(((uint64_t)(uint32_t)hi << 32) | lo) + (int64_t)acc * mult;
    return (int32_t)((uint64_t)v >> 32);
}

static inline int32_t td_rq_apply(int32_t acc, const td_rq_t *q) {
    return td_asr_w(td_rq_hi(acc, q->mult, q->w >> 8), q->w);
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
/* log(x) of x >= 1 in Q(in_bits) as Q(out_bits) (LOG_SOFTMAX: Q12 in, Q5 out). */
int32_t td_fp_log_x_ge_1(int32_t x, int in_bits, int out_bits);

#endif
