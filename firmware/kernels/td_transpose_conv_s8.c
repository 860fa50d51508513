/* TRANSPOSE_CONV, int8 with per-channel weights (TFLM reference_integer_ops::TransposeConv).
 * Every input pixel scatters its products into an int32 accumulator per output element
 * (the planned scratch buffer, zeroed first); then bias, per-channel requantization, the
 * output offset and the fused activation clamp, element by element. */
#include "td_kernels.h"
#include "td_fixedpoint.h"

void td_transpose_conv_s8(const td_transpose_conv_params_t *p, const int8_t *in, int8_t *out) {
    int32_t *acc = (int32_t *)p->scratch;
    const int32_t n = p->batches * p->out_h * p->out_w * p->out_c;
    const int32_t row = p->out_w * p->out_c;
    int32_t i, b, iy, ix, ic, ky, kx, oc;
    for (i = 0; i < n; ++i) acc[i] = 0;
    for (b = 0; b < p->batches; ++b) {
        int32_t *acc_b = acc + b * p->out_h * row;
        for (iy = 0; iy < p->in_h; ++iy) {
            for (ix = 0; ix < p->in_w; ++ix) {
                const int8_t *x = in + ((b * p->in_h + iy) * p->in_w + ix) * p->in_c;
                const int32_t oy0 = iy * p->stride_h - p->pad_h;
                const int32_t ox0 = ix * p->stride_w - p->pad_w;
                for (ic = 0; ic < p->in_c; ++ic) {
                    const int32_t v = (int32_t)x[ic] + p->in_offset;
                    for (ky = 0; ky < p->k_h; ++ky) {
                        const int32_t oy = oy0 + ky;
                        if (oy < 0 || oy >= p->out_h) continue;
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t ox = ox0 + kx;
                            int32_t *a;
                            const int8_t *w;
                            if (ox < 0 || ox >= p->out_w) continue;
                            a = acc_b + oy * row + ox * p->out_c;
                            w = p->weights + (ky * p->k_w + kx) * p->in_c + ic;
                            for (oc = 0; oc < p->out_c; ++oc) {
                                a[oc] += v * (int32_t)w[oc * p->k_h * p->k_w * p->in_c];
                            }
                        }
                    }
                }
            }
        }
    }
    for (i = 0; i < n; ++i) {
        const int32_t c = i % p->out_c;
        int32_t v = acc[i];
        if (p->bias) v += p->bias[c];
        v = td_mbqm(v, p->mult[c], p->shift[c]) + p->out_offset;
        out[i] = (int8_t)td_clamp_i32(v, p->act_min, p->act_max);
    }
}
