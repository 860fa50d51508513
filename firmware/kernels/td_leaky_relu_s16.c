/* LEAKY_RELU int16 -> int16 (16x8 models), as TFLM's reference QuantizeLeakyRelu<int16_t>:
 * x - in_zp requantized by the identity multiplier where it is >= 0, by alpha's below,
 * plus the output zero point, clamped to int16. The arena is a byte array: values are read
 * and written with memcpy. */
#include <string.h>

#include "td_kernels.h"
#include "td_fixedpoint.h"

void td_leaky_relu_s16(const td_leaky_relu_s16_params_t *p, const int8_t *in, int8_t *out) {
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        int16_t v, r;
        int32_t x, y;
        memcpy(&v, in + 2 * i, sizeof v);
        x = (int32_t)v - p->in_zp;
        y = p->out_zp + (x >= 0 ? td_mbqm(x, p->mult_id, p->shift_id)
                                : td_mbqm(x, p->mult_alpha, p->shift_alpha));
        r = (int16_t)td_clamp_i32(y, -32768, 32767);
        memcpy(out + 2 * i, &r, sizeof r);
    }
}
