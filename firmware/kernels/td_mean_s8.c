/* MEAN over contiguous axes (what GlobalAveragePooling becomes), TFLM QuantizedMeanOrSum:
 * an int32 sum, then float rescaling exactly as the reference does it. */
#include <math.h>
#include "td_kernels.h"

void td_mean_s8(const td_mean_params_t *p, const int8_t *in, int8_t *out) {
    int32_t o, r, i;
    for (o = 0; o < p->outer; ++o) {
        for (i = 0; i < p->inner; ++i) {
            const int8_t *x = in + (int32_t)o * p->reduce * p->inner + i;
            int32_t sum = 0;
            float mean, result;
            for (r = 0; r < p->reduce; ++r) sum += x[(int32_t)r * p->inner];
            mean = (float)sum / (float)p->reduce;
            result = roundf(mean * p->scale + p->bias) + (float)p->out_zp;
            if (result > 127.0f) result = 127.0f;
            if (result < -128.0f) result = -128.0f;
            out[(int32_t)o * p->inner + i] = (int8_t)result;
        }
    }
}
