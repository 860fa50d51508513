/* DEPTHWISE_CONV_2D with depth multiplier (TFLM DepthwiseConvPerChannel). */
#include "td_kernels.h"
#include "td_fixedpoint.h"

void td_depthwise_conv2d_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out) {
    int32_t b, oy, ox, ic, m;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t in_y0 = oy * p->stride_h - p->pad_h;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t in_x0 = ox * p->stride_w - p->pad_w;
                int8_t *dst = out + (((int32_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c;
                for (ic = 0; ic < p->in_c; ++ic) {
                    for (m = 0; m < p->depth_mult; ++m) {
                        const int32_t oc = ic * p->depth_mult + m;
                        int32_t acc = 0, ky, kx;
                        for (ky = 0; ky < p->k_h; ++ky) {
                            const int32_t iy = in_y0 + ky * p->dil_h;
                            if (iy < 0 || iy >= p->in_h) continue;
                            for (kx = 0; kx < p->k_w; ++kx) {
                                const int32_t ix = in_x0 + kx * p->dil_w;
                                int32_t v;
                                if (ix < 0 || ix >= p->in_w) continue;
                                v = in[(((int32_t)b * p->in_h + iy) * p->in_w + ix) * p->in_c + ic];
                                acc += (int32_t)p->weights[(ky * p->k_w + kx) * p->out_c + oc] *
                                       (v + p->in_offset);
                            }
                        }
                        if (p->bias) acc += p->bias[oc];
                        acc = td_mbqm(acc, p->mult[oc], p->shift[oc]) + p->out_offset;
                        dst[oc] = (int8_t)td_clamp_i32(acc, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}
