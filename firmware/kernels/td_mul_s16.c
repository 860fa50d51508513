/* MUL of int16 tensors (16x8 models), as TFLM's reference integer Mul for int16: the
 * offset inputs' product (fits int32: |x| <= 2^15 each) requantized, plus the output
 * offset, clamped; N-D broadcasting by the odometer of td_broadcast.h, values through
 * memcpy (the arena is a byte array). */
#include <string.h>

#include "td_kernels.h"
#include "td_broadcast.h"
#include "td_fixedpoint.h"

void td_mul_s16(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out) {
    int32_t idx[TD_MAX_DIMS] = {0};
    int32_t i, o1 = 0, o2 = 0;
    for (i = 0; i < p->size; ++i) {
        int16_t a, b, r;
        memcpy(&a, in1 + 2 * (p->ndim ? o1 : i), sizeof a);
        memcpy(&b, in2 + 2 * (p->ndim ? o2 : i), sizeof b);
        r = (int16_t)td_clamp_i32(p->out_offset + td_mbqm((p->in1_offset + a) * (p->in2_offset + b),
                                                          p->out_mult, p->out_shift),
                                  p->act_min, p->act_max);
        memcpy(out + 2 * i, &r, sizeof r);
        if (p->ndim) td_bcast_step(p, p->ndim - 1, idx, &o1, &o2);
    }
}
