/* DEQUANTIZE int8 -> float32 at a float model output, as TFLite Micro's reference
 * Dequantize: (float)(scale * (q - zero_point)). TFLite Micro multiplies in double; the
 * product of a float32 scale and an integer below 2^9 is exact in double and in the real
 * numbers, so one float multiply (one rounding of the same exact product) gives the same
 * float. `out` receives little-endian float32 values (written with memcpy). */
#include <string.h>

#include "td_kernels.h"

void td_dequantize_s8_f32(const td_dequantize_params_t *p, const int8_t *in, int8_t *out) {
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const float y = (float)((int32_t)in[i] - p->zero_point) * p->scale;
        memcpy(out + 4 * i, &y, sizeof y);
    }
}

/* DEQUANTIZE int16 -> float32 at a float model output of a 16x8 model: (q - zero_point) is
 * below 2^17, exact in float, so the one float multiply rounds TFLite Micro's exact double
 * product once, as its cast does. */
void td_dequantize_s16_f32(const td_dequantize_params_t *p, const int8_t *in, int8_t *out) {
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        int16_t q;
        float y;
        memcpy(&q, in + 2 * i, sizeof q);
        y = (float)((int32_t)q - p->zero_point) * p->scale;
        memcpy(out + 4 * i, &y, sizeof y);
    }
}
