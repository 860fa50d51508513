/* LOGISTIC int8 -> int8 (scale 1/256, zero point -128), TFLM reference_integer_ops::Logistic. */
#include "td_kernels.h"
#include "td_fixedpoint.h"

#define INPUT_INTEGER_BITS 4
#define OUTPUT_INTEGER_BITS 8

void td_logistic_s8(const td_logistic_params_t *p, const int8_t *in, int8_t *out) {
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t x = (int32_t)in[i] - p->in_zp;
        if (x <= -p->range_radius) {
            out[i] = -128;
        } else if (x >= p->range_radius) {
            out[i] = 127;
        } else {
            const int32_t in_q4 = td_mbqm(x, p->in_mult, p->in_left_shift);
            const int32_t out_q0 = td_fp_logistic(in_q4, INPUT_INTEGER_BITS);
            const int32_t out_q23 = td_rdbpot(out_q0, 31 - OUTPUT_INTEGER_BITS) - 128;
            out[i] = (int8_t)td_clamp_i32(out_q23, -128, 127);
        }
    }
}
