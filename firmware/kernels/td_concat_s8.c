/* CONCATENATION with equal quantization on all inputs (TFLM copies bytes). */
#include <string.h>
#include "td_kernels.h"

void td_concat_s8(const td_concat_params_t *p, const int8_t *const *ins, int8_t *out) {
    int32_t o, k;
    for (o = 0; o < p->outer; ++o) {
        for (k = 0; k < p->n_inputs; ++k) {
            const int32_t n = p->in_inner[k];
            memcpy(out, ins[k] + (int32_t)o * n, (size_t)n);
            out += n;
        }
    }
}
