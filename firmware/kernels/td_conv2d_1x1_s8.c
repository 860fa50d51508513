/* CONV_2D with a 1x1 filter, no padding, no groups (any stride): a matrix product of the
 * pixels' channel vectors with the weight rows, two pixels by two channels at a time
 * (td_conv_core.h). Bit-exact with TFLM ConvPerChannel: the same integer sums. */
#include "td_conv_core.h"

void td_conv2d_1x1_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out) {
    const int32_t k4w = (p->in_c + 3) / 4;
    const int32_t npix = p->batches * p->out_h * p->out_w;
    int16_t *cols = (int16_t *)p->scratch;
    int32_t i, y = 0, x = 0, b = 0;
    const int8_t *src[2];
    for (i = 0; i < npix; i += 2) {
        const int32_t n = npix - i < 2 ? 1 : 2;
        int32_t q;
        for (q = 0; q < n; ++q) {
            src[q] = in + ((b * p->in_h + y * p->stride_h) * p->in_w + x * p->stride_w) * p->in_c;
            td_col_put(cols, q, 0, src[q], p->in_c);
            if (++x == p->out_w) {
                x = 0;
                if (++y == p->out_h) {
                    y = 0;
                    ++b;
                }
            }
        }
        td_conv_columns(p, cols, k4w, out + i * p->out_c, out + (i + n - 1) * p->out_c);
    }
}
