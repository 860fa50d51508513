/* Element-wise int8 -> int8 by a 256-entry table built at generation time:
 * LEAKY_RELU, HARD_SWISH, TANH, ELU (compiler/lower/activation_tables.py computes each
 * entry with TFLite Micro's own arithmetic for that op). */
#include "td_kernels.h"

void td_lut_s8(const td_lut_params_t *p, const int8_t *in, int8_t *out) {
    const int8_t *table = p->table + 128;
    int32_t i;
    for (i = 0; i < p->size; ++i) out[i] = table[in[i]];
}
