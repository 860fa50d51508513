/* Element-wise requantization with a clamp: QUANTIZE (int8 -> int8), RELU, RELU6. */
#include "td_kernels.h"
#include "td_fixedpoint.h"

void td_requantize_s8(const td_requant_params_t *p, const int8_t *in, int8_t *out) {
    int32_t i;
    for (i = 0; i < p->size; ++i) {
        const int32_t v = td_mbqm((int32_t)in[i] - p->in_zp, p->mult, p->shift) + p->out_zp;
        out[i] = (int8_t)td_clamp_i32(v, p->act_min, p->act_max);
    }
}
