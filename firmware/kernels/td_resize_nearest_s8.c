/* RESIZE_NEAREST_NEIGHBOR (NHWC): the build evaluates TFLite Micro's GetNearestNeighbor
 * (float scale, align_corners / half_pixel_centers) for every output row and column; the
 * device copies one pixel's channels per output pixel. */
#include <string.h>
#include "td_kernels.h"

void td_resize_nearest_s8(const td_resize_params_t *p, const int8_t *in, int8_t *out) {
    const size_t c = (size_t)p->c;
    int32_t b, y, x;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *img = in + (size_t)b * p->in_h * p->in_w * c;
        for (y = 0; y < p->out_h; ++y) {
            const int8_t *row = img + (size_t)p->ys[y] * p->in_w * c;
            for (x = 0; x < p->out_w; ++x) {
                memcpy(out, row + (size_t)p->xs[x] * c, c);
                out += c;
            }
        }
    }
}
