/* PAD / PADV2 on up to 4-D tensors with a constant (zero point) fill. */
#include <string.h>
#include "td_kernels.h"

void td_pad_s8(const td_pad_params_t *p, const int8_t *in, int8_t *out) {
    const int32_t *id = p->in_dims, *od = p->out_dims, *bf = p->before;
    int32_t a, b, c;
    memset(out, p->value, (size_t)od[0] * od[1] * od[2] * od[3]);
    for (a = 0; a < id[0]; ++a)
        for (b = 0; b < id[1]; ++b)
            for (c = 0; c < id[2]; ++c) {
                const int8_t *src = in + ((a * id[1] + b) * id[2] + c) * id[3];
                int8_t *dst = out + (((a + bf[0]) * od[1] + b + bf[1]) * od[2] + c + bf[2]) * od[3] + bf[3];
                memcpy(dst, src, (size_t)id[3]);
            }
}
