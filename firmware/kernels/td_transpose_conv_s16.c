/* TRANSPOSE_CONV of a 16x8 model (TFLM reference_integer_ops::TransposeConv for int16
 * input): every input pixel scatters its products into an int64 accumulator per output
 * element (the planned scratch buffer, zeroed first); then the int64 bias, the 64-bit
 * MultiplyByQuantizedMultiplier and the clamp. Activations through memcpy. */
#include <string.h>

#include "td_kernels.h"
#include "td_fixedpoint.h"

void td_transpose_conv_s16(const td_transpose_conv_params_t *p, const int8_t *in,
                           const int64_t *bias, int8_t *out) {
    int64_t *acc = (int64_t *)p->scratch;
    const int32_t n = p->batches * p->out_h * p->out_w * p->out_c;
    const int32_t row = p->out_w * p->out_c;
    int32_t i, b, iy, ix, ic, ky, kx, oc;
    for (i = 0; i < n; ++i) acc[i] = 0;
    for (b = 0; b < p->batches; ++b) {
        int64_t *acc_b = acc + b * p->out_h * row;
        for (iy = 0; iy < p->in_h; ++iy) {
            for (ix = 0; ix < p->in_w; ++ix) {
                const int8_t *x = in + 2 * (((b * p->in_h + iy) * p->in_w + ix) * p->in_c);
                const int32_t oy0 = iy * p->stride_h - p->pad_h;
                const int32_t ox0 = ix * p->stride_w - p->pad_w;
                for (ic = 0; ic < p->in_c; ++ic) {
                    int16_t v;
                    memcpy(&v, x + 2 * ic, sizeof v);
                    for (ky = 0; ky < p->k_h; ++ky) {
                        const int32_t oy = oy0 + ky;
                        if (oy < 0 || oy >= p->out_h) continue;
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t ox = ox0 + kx;
                            int64_t *a;
                            const int8_t *w;
                            if (ox < 0 || ox >= p->out_w) continue;
                            a = acc_b + oy * row + ox * p->out_c;
                            w = p->weights + (ky * p->k_w + kx) * p->in_c + ic;
                            for (oc = 0; oc < p->out_c; ++oc) {
                                a[oc] += (int32_t)v * (int32_t)w[oc * p->k_h * p->k_w * p->in_c];
                            }
                        }
                    }
                }
            }
        }
    }
    for (i = 0; i < n; ++i) {
        const int32_t c = i % p->out_c;
        const int16_t r = (int16_t)td_clamp_i32(td_mbqm64(acc[i] + bias[c], p->mult[c],
                                                          p->shift[c]), p->act_min, p->act_max);
        memcpy(out + 2 * i, &r, sizeof r);
    }
}
