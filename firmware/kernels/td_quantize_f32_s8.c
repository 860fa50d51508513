/* QUANTIZE float32 -> int8 at a float model input, as TFLite Micro's reference
 * AffineQuantize: round(x / scale) in float, half away from zero, plus the zero point,
 * clamped to int8. `in` holds little-endian float32 values (read with memcpy: the arena is
 * a byte array). Values beyond +-1000 steps saturate (as the conversion does on Cortex-M,
 * where VCVT saturates); NaN gives the zero point (VCVT gives 0). No libm. */
#include <string.h>

#include "td_kernels.h"

void td_quantize_f32_s8(const td_quantize_f32_params_t *p, const int8_t *in, int8_t *out) {
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        float x, v;
        int32_t r, q;
        memcpy(&x, in + 4 * i, sizeof x);
        v = x / p->scale;
        if (!(v == v)) {
            r = 0;
        } else if (v > 1000.0f) {
            r = 1000;
        } else if (v < -1000.0f) {
            r = -1000;
        } else {
            float frac;
            r = (int32_t)v;            /* toward zero; exact below 2^23 */
            frac = v - (float)r;       /* exact */
            if (frac >= 0.5f) {
                r++;
            } else if (frac <= -0.5f) {
                r--;
            }
        }
        q = r + p->zero_point;
        out[i] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
    }
}
