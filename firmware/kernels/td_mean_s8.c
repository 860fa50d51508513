/* MEAN over adjacent axes (what GlobalAveragePooling becomes), TFLite's integer
 * QuantizedMeanOrSum: an int32 sum, minus the input zero point per element, then one
 * requantization whose multiplier already holds 1/count. */
#include "td_kernels.h"
#include "td_fixedpoint.h"

void td_mean_s8(const td_mean_params_t *p, const int8_t *in, int8_t *out) {
    int32_t o, r, i;
    for (o = 0; o < p->outer; ++o) {
        for (i = 0; i < p->inner; ++i) {
            const int8_t *x = in + (int32_t)o * p->reduce * p->inner + i;
            int32_t sum = 0, v;
            for (r = 0; r < p->reduce; ++r) sum += x[(int32_t)r * p->inner];
            v = td_mbqm(sum - p->in_zp * p->reduce, p->mult, p->shift) + p->out_zp;
            out[(int32_t)o * p->inner + i] = (int8_t)td_clamp_i32(v, -128, 127);
        }
    }
}
