/* DEPTHWISE_CONV_2D with depth multiplier (TFLM DepthwiseConvPerChannel).
 *
 * As in td_conv2d_s8.c: the filter window is clipped once per output pixel and the input
 * offset enters as in_offset * sum(weights over valid taps); integer sums are exact, so
 * the bytes equal the reference's. With `rq` (compiler/lower/fastpath.py) the
 * requantization is one td_rq_apply instead of td_mbqm. */
#include "td_kernels.h"
#include "td_fixedpoint.h"
#include "td_window.h"

void td_depthwise_conv2d_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out) {
    const int32_t tap_w = p->dil_w * p->in_c;          /* input step between kx taps */
    int32_t b, oy, ox, ic, m;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + (int32_t)b * p->in_h * p->in_w * p->in_c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            int32_t ky0, ky1;
            td_window(y0, p->dil_h, p->k_h, p->in_h, &ky0, &ky1);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int32_t kx0, kx1;
                td_window(x0, p->dil_w, p->k_w, p->in_w, &kx0, &kx1);
                int8_t *dst = out + (((int32_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                for (ic = 0; ic < p->in_c; ++ic) {
                    for (m = 0; m < p->depth_mult; ++m) {
                        const int32_t oc = ic * p->depth_mult + m;
                        int32_t dot = 0, wsum = 0, acc, ky, kx;
                        for (ky = ky0; ky < ky1; ++ky) {
                            const int32_t iy = y0 + ky * p->dil_h, ix = x0 + kx0 * p->dil_w;
                            const int8_t *x = in_b + (iy * p->in_w + ix) * p->in_c + ic;
                            const int8_t *w = p->weights + (ky * p->k_w + kx0) * p->out_c + oc;
                            for (kx = kx0; kx < kx1; ++kx) {
                                dot += (int32_t)*w * (int32_t)*x;
                                wsum += *w;
                                x += tap_w;
                                w += p->out_c;
                            }
                        }
                        acc = dot + p->in_offset * wsum;
                        if (p->bias) acc += p->bias[oc];
                        acc = p->rq ? td_rq_apply(acc, p->rq + oc)
                                    : td_mbqm(acc, p->mult[oc], p->shift[oc]) + p->out_offset;
                        dst[oc] = (int8_t)td_clamp_i32(acc, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}
