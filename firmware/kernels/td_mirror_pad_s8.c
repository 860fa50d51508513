/* MIRROR_PAD (REFLECT, SYMMETRIC): output entry [i_0]..[i_n-1] is the input run at
 * src_0[i_0] + ... + src_n-1[i_n-1]. The build evaluates TFLite Micro's GetInputDimension
 * per axis and output index (scaled by the input stride) and merges the trailing axes
 * that are not padded into one run of `inner` bytes. */
#include <string.h>
#include "td_kernels.h"

void td_mirror_pad_s8(const td_mirror_pad_params_t *p, const int8_t *in, int8_t *out) {
    const int32_t *tab[TD_MAX_DIMS];
    int32_t idx[TD_MAX_DIMS] = {0};
    const size_t inner = (size_t)p->inner;
    int32_t d;
    tab[0] = p->src;
    for (d = 1; d < p->ndim; ++d)
        tab[d] = tab[d - 1] + p->dims[d - 1];
    for (;;) {
        int32_t pos = 0;
        for (d = 0; d < p->ndim; ++d)
            pos += tab[d][idx[d]];
        memcpy(out, in + pos, inner);
        out += inner;
        for (d = p->ndim - 1; d >= 0; --d) {    /* odometer over the output dims */
            if (++idx[d] < p->dims[d])
                break;
            idx[d] = 0;
        }
        if (d < 0)
            return;
    }
}
