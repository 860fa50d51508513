/* LOG_SOFTMAX int8 -> int8 (scale 16/256, zero point 127), as TFLM's LogSoftmaxQuantized:
 * the row's differences to its maximum in Q5.26, their exps summed in Q12.19, the log of
 * the sum in Q5.26 subtracted, and differences too small to show rounded to -128. */
#include "td_kernels.h"
#include "td_fixedpoint.h"

#define INPUT_INTEGER_BITS 5
#define ACCUMULATION_INTEGER_BITS 12
#define OUTPUT_INTEGER_BITS 4

void td_log_softmax_s8(const td_log_softmax_params_t *p, const int8_t *in, int8_t *out) {
    int32_t i, c;
    for (i = 0; i < p->outer; ++i) {
        const int8_t *x = in + i * p->depth;
        int8_t *y = out + i * p->depth;
        int32_t max_in_row = -128, sum_of_exps = 0, log_sum, adjusted_diff_min;
        for (c = 0; c < p->depth; ++c) if (x[c] > max_in_row) max_in_row = x[c];
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)x[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t q5 = td_mbqm(diff, p->in_mult, p->in_left_shift);
                sum_of_exps = td_add_wrap(sum_of_exps, td_srmbpot(
                    td_fp_exp_on_negative_values(q5, INPUT_INTEGER_BITS), -ACCUMULATION_INTEGER_BITS));
            }
        }
        log_sum = td_fp_log_x_ge_1(sum_of_exps, ACCUMULATION_INTEGER_BITS, INPUT_INTEGER_BITS);
        adjusted_diff_min = td_max_i32(
            p->diff_min - 1,
            td_mbqm(td_add_wrap(log_sum, TD_INT32_MIN), p->rev_div, p->rev_shift));
        for (c = 0; c < p->depth; ++c) {
            const int32_t diff = (int32_t)x[c] - max_in_row;
            if (diff > adjusted_diff_min) {
                const int32_t q5 = td_mbqm(diff, p->in_mult, p->in_left_shift);
                const int32_t o = td_rdbpot(td_sub_wrap(q5, log_sum),
                                            31 - INPUT_INTEGER_BITS - OUTPUT_INTEGER_BITS) + 127;
                y[c] = (int8_t)td_clamp_i32(o, -128, 127);
            } else {
                y[c] = -128;
            }
        }
    }
}
