/* SOFTMAX int8 -> int8 (scale 1/256, zero point -128) with gemmlowp fixed-point exp,
 * as TFLM's reference Softmax for 8-bit inputs. */
#include "td_kernels.h"
#include "td_fixedpoint.h"

#define SCALED_DIFF_INTEGER_BITS 5
#define ACCUMULATION_INTEGER_BITS 12

void td_softmax_s8(const td_softmax_params_t *p, const int8_t *in, int8_t *out) {
    int32_t i, c;
    for (i = 0; i < p->outer; ++i) {
        const int8_t *x = in + i * p->depth;
        int8_t *y = out + i * p->depth;
        int32_t max_in_row = -128, sum_of_exps = 0, headroom, num_bits_over_unit, shifted_scale;
        for (c = 0; c < p->depth; ++c) if (x[c] > max_in_row) max_in_row = x[c];
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)x[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t rescaled = td_srdhm(td_shl(diff, p->in_left_shift), p->in_mult);
                const int32_t e = td_fp_exp_on_negative_values(rescaled, SCALED_DIFF_INTEGER_BITS);
                sum_of_exps = td_add_wrap(sum_of_exps, td_rdbpot(e, ACCUMULATION_INTEGER_BITS));
            }
        }
        /* GetReciprocal(sum, 12 integer bits) */
        headroom = td_clz((uint32_t)sum_of_exps);
        num_bits_over_unit = ACCUMULATION_INTEGER_BITS - headroom;
        shifted_scale = td_fp_one_over_one_plus_x_for_x_in_0_1(
            (int32_t)(((uint32_t)sum_of_exps << headroom) - ((uint32_t)1 << 31)));
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)x[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t rescaled = td_srdhm(td_shl(diff, p->in_left_shift), p->in_mult);
                const int32_t e = td_fp_exp_on_negative_values(rescaled, SCALED_DIFF_INTEGER_BITS);
                const int32_t unsat = td_rdbpot(td_srdhm(shifted_scale, e), num_bits_over_unit + 31 - 8);
                y[c] = (int8_t)td_clamp_i32(unsat - 128, -128, 127);
            } else {
                y[c] = -128;
            }
        }
    }
}
