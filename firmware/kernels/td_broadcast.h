/* The broadcast odometer shared by the element-wise kernels (td_add_s8.c, td_mul_s8.c). */
#ifndef TD_BROADCAST_H
#define TD_BROADCAST_H

#include "td_kernels.h"

/* Advance the output index idx over dimensions [0, top] (the last one fastest) and the two
 * inputs' offsets along their strides (0 on broadcast axes). */
static inline void td_bcast_step(const td_binary_params_t *p, int32_t top, int32_t *idx,
                                 int32_t *o1, int32_t *o2) {
    int32_t d;
    for (d = top; d >= 0; --d) {
        ++idx[d];
        *o1 += p->strides1[d];
        *o2 += p->strides2[d];
        if (idx[d] < p->dims[d]) return;
        *o1 -= p->strides1[d] * p->dims[d];
        *o2 -= p->strides2[d] * p->dims[d];
        idx[d] = 0;
    }
}

#endif
