/* QUANTIZE between int8 and int16 and within int16 (16x8 models), as TFLM's reference
 * Requantize: (x - in_zp) scaled by MultiplyByQuantizedMultiplier, plus out_zp, clamped
 * to the output type. in_bytes / out_bytes (1 or 2) say which side is int16; values
 * through memcpy (the arena is a byte array). */
#include <string.h>

#include "td_kernels.h"
#include "td_fixedpoint.h"

void td_requantize_s16(const td_requant_s16_params_t *p, const int8_t *in, int8_t *out) {
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        int32_t x, v;
        if (p->in_bytes == 2) {
            int16_t h;
            memcpy(&h, in + 2 * i, sizeof h);
            x = h;
        } else {
            x = in[i];
        }
        v = td_clamp_i32(td_mbqm(x - p->in_zp, p->mult, p->shift) + p->out_zp,
                         p->act_min, p->act_max);
        if (p->out_bytes == 2) {
            const int16_t h = (int16_t)v;
            memcpy(out + 2 * i, &h, sizeof h);
        } else {
            out[i] = (int8_t)v;
        }
    }
}
