/* SQUARED_DIFFERENCE with N-D broadcasting, bit-exact with TFLM's int8 SquaredDifference
 * (squared_difference.cc): both inputs offset, shifted left by 7 and scaled by their
 * multipliers (MultiplyByQuantizedMultiplierSmallerThanOneExp), the difference squared in
 * int32 (at most (255 << 6)^2 < 2^31) and requantized with MultiplyByQuantizedMultiplier. */
#include "td_kernels.h"
#include "td_broadcast.h"
#include "td_fixedpoint.h"

static int8_t sqdiff_one(const td_binary_params_t *p, int32_t a, int32_t b) {
    const int32_t x1 = td_shl(p->in1_offset + a, p->left_shift);
    const int32_t x2 = td_shl(p->in2_offset + b, p->left_shift);
    const int32_t s1 = td_rdbpot(td_srdhm(x1, p->in1_mult), -p->in1_shift);
    const int32_t s2 = td_rdbpot(td_srdhm(x2, p->in2_mult), -p->in2_shift);
    const int32_t d = s1 - s2;
    const int32_t raw = td_mbqm(d * d, p->out_mult, p->out_shift) + p->out_offset;
    return (int8_t)td_clamp_i32(raw, p->act_min, p->act_max);
}

void td_squared_difference_s8(const td_binary_params_t *p, const int8_t *in1,
                              const int8_t *in2, int8_t *out) {
    int32_t idx[TD_MAX_DIMS] = {0};
    int32_t i, o1 = 0, o2 = 0;
    if (p->ndim == 0) {
        for (i = 0; i < p->size; ++i) out[i] = sqdiff_one(p, in1[i], in2[i]);
        return;
    }
    for (i = 0; i < p->size; ++i) {
        out[i] = sqdiff_one(p, in1[o1], in2[o2]);
        td_bcast_step(p, p->ndim - 1, idx, &o1, &o2);
    }
}
