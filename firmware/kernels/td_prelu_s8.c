/* PRELU with the alpha array broadcast onto the input (TFLite reference
 * BroadcastPrelu4DSlow, int8): x >= 0 is requantized, x < 0 multiplied by alpha. */
#include "td_kernels.h"
#include "td_broadcast.h"
#include "td_fixedpoint.h"

static int8_t prelu_one(const td_binary_params_t *p, int32_t x, int32_t alpha) {
    const int32_t v = p->in1_offset + x;
    int32_t raw;
    if (v >= 0) {
        raw = td_mbqm(v, p->in1_mult, p->in1_shift);
    } else {
        raw = td_mbqm(v * (p->in2_offset + alpha), p->out_mult, p->out_shift);
    }
    return (int8_t)td_clamp_i32(raw + p->out_offset, -128, 127);
}

void td_prelu_s8(const td_binary_params_t *p, const int8_t *in, const int8_t *alpha, int8_t *out) {
    int32_t idx[TD_MAX_DIMS] = {0};
    int32_t i, o1 = 0, o2 = 0;
    if (p->ndim == 0) {
        for (i = 0; i < p->size; ++i) out[i] = prelu_one(p, in[i], alpha[i]);
        return;
    }
    for (i = 0; i < p->size; ++i) {
        out[i] = prelu_one(p, in[o1], alpha[o2]);
        td_bcast_step(p, p->ndim - 1, idx, &o1, &o2);
    }
}
