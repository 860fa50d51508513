/* RESIZE_BILINEAR int8 (NHWC), TFLite's integer interpolation (ResizeBilinearInteger):
 * positions in 1/1024 steps computed at build time as (lower, upper, frac) per output row
 * and column, frac = position - 1024 * lower (negative at a half-pixel border); the four
 * products in 64 bits, rounded half away from zero by 2^20 (TFLite Micro's default double
 * rounding build). */
#include <stddef.h>
#include "td_kernels.h"

void td_resize_bilinear_s8(const td_resize_params_t *p, const int8_t *in, int8_t *out) {
    const int32_t c = p->c, in_w = p->in_w;
    int32_t b, y, x, ch;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *img = in + (size_t)b * p->in_h * in_w * c;
        for (y = 0; y < p->out_h; ++y) {
            const int32_t *yv = p->ys + 3 * y;
            const int8_t *r0 = img + (size_t)yv[0] * in_w * c;
            const int8_t *r1 = img + (size_t)yv[1] * in_w * c;
            const int64_t wy1 = yv[2], wy0 = 1024 - yv[2];
            for (x = 0; x < p->out_w; ++x) {
                const int32_t *xv = p->xs + 3 * x;
                const int32_t x0 = xv[0] * c, x1 = xv[1] * c;
                const int64_t wx1 = xv[2], wx0 = 1024 - xv[2];
                for (ch = 0; ch < c; ++ch) {
                    const int64_t acc = (int64_t)r0[x0 + ch] * wy0 * wx0
                                      + (int64_t)r1[x0 + ch] * wy1 * wx0
                                      + (int64_t)r0[x1 + ch] * wy0 * wx1
                                      + (int64_t)r1[x1 + ch] * wy1 * wx1;
                    const int64_t round = acc > 0 ? (1 << 19) : -(1 << 19);
                    *out++ = (int8_t)((acc + round) / (1 << 20));
                }
            }
        }
    }
}
