/* One strided copy for the data-movement ops: TRANSPOSE, SLICE, STRIDED_SLICE, SPLIT,
 * SPLIT_V, UNPACK, DEPTH_TO_SPACE, SPACE_TO_DEPTH, REVERSE_V2. The output is written in
 * order; the build computes, per output dimension, the input step (negative for reversed
 * slices and axes) and the input element of output element 0, and merges dimensions that
 * are contiguous. */
#include <string.h>
#include "td_kernels.h"

void td_copy_nd_s8(const td_copy_params_t *p, const int8_t *in, int8_t *out) {
    int32_t idx[TD_MAX_DIMS] = {0};
    const int32_t last = p->ndim - 1;
    const int32_t run = p->dims[last], step = p->strides[last];
    int32_t pos = p->offset, d, i;
    for (;;) {
        const int8_t *src = in + pos;
        if (step == 1) {
            memcpy(out, src, (size_t)run);
        } else {
            for (i = 0; i < run; ++i)
                out[i] = src[i * step];
        }
        out += run;
        for (d = last - 1; d >= 0; --d) {      /* odometer over the outer dimensions */
            pos += p->strides[d];
            if (++idx[d] < p->dims[d])
                break;
            pos -= p->strides[d] * p->dims[d];
            idx[d] = 0;
        }
        if (d < 0)
            return;
    }
}
