/* gemmlowp's fixed-point exp / reciprocal / logistic / log on int32, with the integer-bit
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

/* TFLite's SaturatingAddNonGemmlowp and SaturatingSub on int32. */
static int32_t td_sat_i64(int64_t v) {
    return v > TD_INT32_MAX ? TD_INT32_MAX : (v < TD_INT32_MIN ? TD_INT32_MIN : (int32_t)v);
}

/* TFLite's log_x_for_x_greater_than_or_equal_to_1_impl (internal/common.h): the input's
 * power of two from its leading zeros (taken from x and from x * sqrt(1/2), whichever is
 * nearer), the remaining factor r in [sqrt(1/2), 1) through a rational approximation; the
 * sum is accumulated with one integer bit more than the output. */
int32_t td_fp_log_x_ge_1(int32_t x, int in_bits, int out_bits) {
    const int accum_bits = out_bits + 1;
    const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
    const int32_t alpha_n = 117049297, alpha_d = 127690142;
    const int32_t alpha_i = 1057819769, alpha_f = 638450708;
    const int32_t shifted_quarter = td_srmbpot((int32_t)1 << 29, -accum_bits);
    const int z_a_headroom_plus_1 = td_clz((uint32_t)x);
    const int32_t r_a_tmp = td_srmbpot(x, z_a_headroom_plus_1 - 1);
    const int32_t r_a = td_srmbpot(td_srdhm(r_a_tmp, sqrt_half), 1);
    const int32_t z_a_pow_2_adj = td_sat_i64(
        (int64_t)td_srmbpot(in_bits - z_a_headroom_plus_1, 31 - accum_bits) + shifted_quarter);
    const int32_t z_b = td_srdhm(x, sqrt_half);
    const int z_b_headroom = td_clz((uint32_t)z_b) - 1;
    const int32_t r_b = td_srmbpot(x, z_b_headroom);
    const int32_t z_b_pow_2_adj = td_sat_i64(
        (int64_t)td_srmbpot(in_bits - z_b_headroom, 31 - accum_bits) - shifted_quarter);
    const int32_t r = td_min_i32(r_a, r_b);
    const int32_t z_pow_2_adj = td_max_i32(z_a_pow_2_adj, z_b_pow_2_adj);
    const int32_t p = rounding_half_sum(r, sqrt_sqrt_half);
    const int32_t q = td_add_wrap(td_sub_wrap(r, sqrt_sqrt_half), td_sub_wrap(r, sqrt_sqrt_half));
    const int32_t common_sq = td_srdhm(q, q);
    const int32_t num = td_add_wrap(td_srdhm(q, r), td_srdhm(td_srdhm(q, common_sq), alpha_n));
    const int32_t denom_minus_one = td_add_wrap(
        td_srdhm(p, td_add_wrap(td_add_wrap(alpha_i, q), td_srdhm(alpha_d, common_sq))),
        td_srdhm(alpha_f, q));
    const int32_t recip_denom = td_fp_one_over_one_plus_x_for_x_in_0_1(denom_minus_one);
    const int32_t num_scaled = td_srmbpot(num, -accum_bits);
    return td_srmbpot(td_add_wrap(td_srdhm(z_pow_2_adj, log_2), td_srdhm(num_scaled, recip_denom)),
                      accum_bits - out_bits);
}
