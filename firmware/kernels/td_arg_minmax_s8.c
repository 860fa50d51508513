/* ARG_MAX / ARG_MIN over one axis of an int8 tensor, as TFLite Micro's reference
 * ArgMinMax: the first index of the largest (smallest) value, strict comparison, so ties
 * go to the lowest index. Indices are written as little-endian int32 or int64 (out_bytes),
 * with memcpy: the arena is a byte array. */
#include <string.h>

#include "td_kernels.h"

void td_arg_minmax_s8(const td_arg_minmax_params_t *p, const int8_t *in, int8_t *out) {
    int32_t o, j, k;
    for (o = 0; o < p->outer; ++o) {
        const int8_t *base = in + (size_t)o * (size_t)p->axis_len * (size_t)p->inner;
        for (j = 0; j < p->inner; ++j) {
            int8_t best = base[j];
            int32_t idx = 0;
            const size_t pos = (size_t)o * (size_t)p->inner + (size_t)j;
            for (k = 1; k < p->axis_len; ++k) {
                const int8_t v = base[(size_t)k * (size_t)p->inner + (size_t)j];
                if (p->is_min ? (v < best) : (v > best)) {
                    best = v;
                    idx = k;
                }
            }
            if (p->out_bytes == 8) {
                const int64_t w = idx;
                memcpy(out + 8u * pos, &w, sizeof w);
            } else {
                memcpy(out + 4u * pos, &idx, sizeof idx);
            }
        }
    }
}
