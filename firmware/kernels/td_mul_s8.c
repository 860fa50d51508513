/* MUL with N-D broadcasting (TFLM reference integer Mul, incl. 6-D broadcast). */
#include "td_kernels.h"
#include "td_broadcast.h"
#include "td_fixedpoint.h"

static int8_t mul_one(const td_binary_params_t *p, int32_t a, int32_t b) {
    const int32_t prod = (p->in1_offset + a) * (p->in2_offset + b);
    const int32_t raw = p->out_offset + td_mbqm(prod, p->out_mult, p->out_shift);
    return (int8_t)td_clamp_i32(raw, p->act_min, p->act_max);
}

void td_mul_s8(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out) {
    int32_t idx[TD_MAX_DIMS] = {0};
    int32_t i, o1 = 0, o2 = 0;
    if (p->ndim == 0) {
        for (i = 0; i < p->size; ++i) out[i] = mul_one(p, in1[i], in2[i]);
        return;
    }
    /* Odometer over the output; offsets into the inputs follow their strides. */
    for (i = 0; i < p->size; ++i) {
        out[i] = mul_one(p, in1[o1], in2[o2]);
        td_bcast_step(p, p->ndim - 1, idx, &o1, &o2);
    }
}
