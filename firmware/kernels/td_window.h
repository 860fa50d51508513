/* Filter-window clipping shared by the convolution kernels. */
#ifndef TD_WINDOW_H
#define TD_WINDOW_H

#include <stdint.h>

/* Taps t in [*t0, *t1) of a k-tap filter with dilation dil, starting at input coordinate
 * origin, that land inside [0, size): origin + t * dil in bounds. */
static inline void td_window(int32_t origin, int32_t dil, int32_t k, int32_t size,
                             int32_t *t0, int32_t *t1) {
    int32_t hi = (size - origin + dil - 1) / dil;
    *t0 = origin < 0 ? (-origin + dil - 1) / dil : 0;
    *t1 = hi < k ? hi : k;
}

#endif
