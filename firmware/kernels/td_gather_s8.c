/* GATHER with constant coordinates: input [outer][axis_size][inner] -> output
 * [outer][n_coords][inner], each coordinate a row of `inner` values (TFLite Micro's loop;
 * the build checked every coordinate is in range). */
#include <string.h>
#include "td_kernels.h"

void td_gather_s8(const td_gather_params_t *p, const int8_t *in, int8_t *out) {
    const size_t inner = (size_t)p->inner;
    int32_t o, k;
    for (o = 0; o < p->outer; ++o) {
        const int8_t *base = in + (size_t)o * p->axis_size * inner;
        for (k = 0; k < p->n_coords; ++k) {
            memcpy(out, base + (size_t)p->coords[k] * inner, inner);
            out += inner;
        }
    }
}
