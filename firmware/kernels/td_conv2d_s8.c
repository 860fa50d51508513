/* CONV_2D, int8 activations, per-channel int8 weights, int32 bias (TFLM ConvPerChannel). */
#include "td_kernels.h"
#include "td_fixedpoint.h"

void td_conv2d_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out) {
    const int32_t groups = p->in_c / p->filter_in_c;
    const int32_t out_per_group = p->out_c / groups;
    int32_t b, oy, ox, oc;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                for (oc = 0; oc < p->out_c; ++oc) {
                    const int32_t c0 = (oc / out_per_group) * p->filter_in_c;
                    const int8_t *w = p->weights + (int32_t)oc * p->k_h * p->k_w * p->filter_in_c;
                    int32_t acc = 0, ky, kx, ic;
                    for (ky = 0; ky < p->k_h; ++ky) {
                        const int32_t iy = in_y0 + ky * p->dil_h;
                        if (iy < 0 || iy >= p->in_h) continue;
                        for (kx = 0; kx < p->k_w; ++kx) {
                            const int32_t ix = in_x0 + kx * p->dil_w;
                            const int8_t *src, *wk;
                            if (ix < 0 || ix >= p->in_w) continue;
                            src = in + (((int32_t)b * p->in_h + iy) * p->in_w + ix) * p->in_c + c0;
                            wk = w + (ky * p->k_w + kx) * p->filter_in_c;
                            for (ic = 0; ic < p->filter_in_c; ++ic) {
                                acc += (int32_t)wk[ic] * ((int32_t)src[ic] + p->in_offset);
                            }
                        }
                    }
                    if (p->bias) acc += p->bias[oc];
                    acc = td_mbqm(acc, p->mult[oc], p->shift[oc]) + p->out_offset;
                    out[(((int32_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c + oc] =
                        (int8_t)td_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
