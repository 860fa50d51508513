/* DEPTHWISE_CONV_2D of a 16x8 model (TFLM reference_integer_ops::DepthwiseConvPerChannel
 * for int16 input): per output channel a 64-bit sum over the valid taps, the int64 bias,
 * the 64-bit MultiplyByQuantizedMultiplier (td_mbqm64), the clamp. Activations through
 * memcpy (the arena is a byte array). */
#include <string.h>

#include "td_kernels.h"
#include "td_fixedpoint.h"
#include "td_window.h"

void td_depthwise_conv2d_s16(const td_conv_params_t *p, const int8_t *in, const int64_t *bias,
                             int8_t *out) {
    int32_t b, oy, ox, oc, ky, kx;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            int32_t ky0, ky1;
            td_window(y0, p->dil_h, p->k_h, p->in_h, &ky0, &ky1);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int32_t kx0, kx1;
                td_window(x0, p->dil_w, p->k_w, p->in_w, &kx0, &kx1);
                for (oc = 0; oc < p->out_c; ++oc) {
                    const int32_t ic = oc / p->depth_mult;
                    int64_t acc = 0;
                    int16_t r;
                    for (ky = ky0; ky < ky1; ++ky) {
                        for (kx = kx0; kx < kx1; ++kx) {
                            const int32_t iy = y0 + ky * p->dil_h, ix = x0 + kx * p->dil_w;
                            int16_t v;
                            memcpy(&v, in + 2 * ((((int32_t)b * p->in_h + iy) * p->in_w + ix)
                                                 * p->in_c + ic), sizeof v);
                            acc += (int32_t)p->weights[(ky * p->k_w + kx) * p->out_c + oc]
                                   * (int32_t)v;
                        }
                    }
                    r = (int16_t)td_clamp_i32(td_mbqm64(acc + bias[oc], p->mult[oc], p->shift[oc]),
                                              p->act_min, p->act_max);
                    memcpy(out + 2 * ((((int32_t)b * p->out_h + oy) * p->out_w + ox) * p->out_c
                                      + oc), &r, sizeof r);
                }
            }
        }
    }
}
