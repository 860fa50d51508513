/* gemmlowp's fixed-point exp / reciprocal / logistic on int32, with the integer-bit
 * count as a run-time argument (gemmlowp makes it a template parameter). */
#include "td_fixedpoint.h"

/* exp(x) for x in [-1/4, 0), Q0.31 in and out. */
static int32_t exp_quarter_interval(int32_t a) {
    const int32_t constant_term = 1895147668;     /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883;
    int32_t x = td_add_wrap(a, (int32_t)1 << 28); /* a + 1/8 */
    int32_t x2 = td_srdhm(x, x);
    int32_t x3 = td_srdhm(x2, x);
    int32_t x4 = td_srdhm(x2, x2);
    int32_t x4_over_4 = td_srmbpot(x4, -2);
    int32_t poly = td_srmbpot(td_add_wrap(td_srdhm(td_add_wrap(x4_over_4, x3), constant_1_over_3), x2), -1);
    return td_add_wrap(constant_term, td_srdhm(constant_term, td_add_wrap(x, poly)));
}

int32_t td_fp_exp_on_negative_values(int32_t a, int integer_bits) {
    static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308,
                                           39332535, 720401, 242};
    const int fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    const int32_t mask = one_quarter - 1;
    int32_t a_mod_quarter_minus_one_quarter = td_sub_wrap(a & mask, one_quarter);
    int32_t result = exp_quarter_interval(td_srmbpot(a_mod_quarter_minus_one_quarter, integer_bits));
    int32_t remainder = td_sub_wrap(a_mod_quarter_minus_one_quarter, a);
    int e;
    for (e = -2; e <= 4; ++e) {
        if (integer_bits > e) {
            int shift_amount = fractional_bits + e;
            if (remainder & ((int32_t)1 << shift_amount)) {
                result = td_srdhm(result, multipliers[e + 2]);
            }
        }
    }
    if (integer_bits > 5) {
        int32_t clamp = -((int32_t)1 << (36 - integer_bits));
        if (a < clamp) result = 0;
    }
    if (a == 0) result = TD_INT32_MAX;
    return result;
}

static int32_t rounding_half_sum(int32_t a, int32_t b) {
    int64_t sum = (int64_t)a + (int64_t)b;
    int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

int32_t td_fp_one_over_one_plus_x_for_x_in_0_1(int32_t a) {
    const int32_t f2_one = (int32_t)1 << 29;
    const int32_t c48_17 = 1515870810;
    const int32_t cneg32_17 = -1010580540;
    int32_t half_denominator = rounding_half_sum(a, TD_INT32_MAX);
    int32_t x = td_add_wrap(c48_17, td_srdhm(half_denominator, cneg32_17));
    int i;
    for (i = 0; i < 3; i++) {
        int32_t hd_x = td_srdhm(half_denominator, x);
        int32_t one_minus = td_sub_wrap(f2_one, hd_x);
        x = td_add_wrap(x, td_srmbpot(td_srdhm(x, one_minus), 2));
    }
    /* Rescale<0>(ExactMulByPot<-1>(x)): F1 -> F0 is a saturating shift left by 1. */
    return td_srmbpot(x, 1);
}

int32_t td_fp_logistic(int32_t a, int integer_bits) {
    int32_t abs_input, pos, neg;
    if (a == 0) return (int32_t)1 << 30;
    abs_input = a > 0 ? a : (int32_t)(0u - (uint32_t)a);
    pos = td_fp_one_over_one_plus_x_for_x_in_0_1(
        td_fp_exp_on_negative_values((int32_t)(0u - (uint32_t)abs_input), integer_bits));
    neg = td_sub_wrap(TD_INT32_MAX, pos);
    return a > 0 ? pos : neg;
}
