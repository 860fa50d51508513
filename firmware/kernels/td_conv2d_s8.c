/* CONV_2D, int8 activations, per-channel int8 weights, int32 bias (TFLM ConvPerChannel).
 *
 * Same integer sums as the reference, in a cheaper order: the valid filter window of an
 * output pixel is clipped once (not tested per tap), and the input offset is applied as
 * in_offset * sum(weights over the valid taps) instead of once per multiply. Integer
 * addition is exact, so the result is bit-identical. */
#include "td_kernels.h"
#include "td_fixedpoint.h"
#include "td_window.h"

/* Sum over one output channel's valid taps of w * x, and of w alone. */
static void td_conv_dot(const td_conv_params_t *p, const int8_t *in_b, int32_t y0, int32_t x0,
                        int32_t c0, const int8_t *w, int32_t ky0, int32_t ky1, int32_t kx0,
                        int32_t kx1, int32_t *dot, int32_t *wsum) {
    int32_t acc = 0, ws = 0, ky, kx, i;
    const int32_t col_in = p->in_c * p->dil_w;
    const int32_t row_w = p->k_w * p->filter_in_c;
    for (ky = ky0; ky < ky1; ++ky) {
        /* only in-bounds addresses are formed: (iy, ix) is a valid tap */
        const int32_t iy = y0 + ky * p->dil_h, ix = x0 + kx0 * p->dil_w;
        const int8_t *x = in_b + (iy * p->in_w + ix) * p->in_c + c0;
        const int8_t *wk = w + ky * row_w + kx0 * p->filter_in_c;
        if (p->dil_w == 1 && p->filter_in_c == p->in_c) {
            /* taps of this row are contiguous in input and weights */
            const int32_t n = (kx1 - kx0) * p->in_c;
            for (i = 0; i < n; ++i) {
                acc += (int32_t)wk[i] * (int32_t)x[i];
                ws += wk[i];
            }
        } else {
            for (kx = kx0; kx < kx1; ++kx) {
                for (i = 0; i < p->filter_in_c; ++i) {
                    acc += (int32_t)wk[i] * (int32_t)x[i];
                    ws += wk[i];
                }
                x += col_in;
                wk += p->filter_in_c;
            }
        }
    }
    *dot = acc;
    *wsum = ws;
}

void td_conv2d_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out) {
    const int32_t groups = p->in_c / p->filter_in_c;
    const int32_t out_per_group = p->out_c / groups;
    const int32_t w_stride = p->k_h * p->k_w * p->filter_in_c;
    int32_t b, oy, ox, oc;
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
                for (oc = 0; oc < p->out_c; ++oc) {
                    int32_t dot = 0, wsum = 0, acc;
                    if (ky0 < ky1 && kx0 < kx1) {
                        td_conv_dot(p, in_b, y0, x0, (oc / out_per_group) * p->filter_in_c,
                                    p->weights + oc * w_stride, ky0, ky1, kx0, kx1, &dot, &wsum);
                    }
                    acc = dot + p->in_offset * wsum;
                    if (p->bias) acc += p->bias[oc];
                    acc = td_mbqm(acc, p->mult[oc], p->shift[oc]) + p->out_offset;
                    dst[oc] = (int8_t)td_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}
