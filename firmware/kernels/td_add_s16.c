/* ADD and SUB of int16 tensors (16x8 models), as TFLM's reference AddElementwise /
 * SubElementwise and their broadcasting forms for int16: each input is offset, shifted
 * left by left_shift (15) and scaled by its multiplier, the sum or difference requantized
 * to the output and clamped. Values are read and written with memcpy (the arena is a byte
 * array); broadcasting walks the output with the odometer of td_broadcast.h. */
#include <string.h>

#include "td_kernels.h"
#include "td_broadcast.h"
#include "td_fixedpoint.h"

static int16_t td_at16(const int8_t *p, int32_t i) {
    int16_t v;
    memcpy(&v, p + 2 * i, sizeof v);
    return v;
}

static void add_sub_s16(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2,
                        int8_t *out, int sub) {
    int32_t idx[TD_MAX_DIMS] = {0};
    int32_t i, o1 = 0, o2 = 0;
    for (i = 0; i < p->size; ++i) {
        const int32_t x1 = td_shl(p->in1_offset + td_at16(in1, p->ndim ? o1 : i), p->left_shift);
        const int32_t x2 = td_shl(p->in2_offset + td_at16(in2, p->ndim ? o2 : i), p->left_shift);
        const int32_t s1 = td_rdbpot(td_srdhm(x1, p->in1_mult), -p->in1_shift);
        const int32_t s2 = td_rdbpot(td_srdhm(x2, p->in2_mult), -p->in2_shift);
        const int32_t raw = td_rdbpot(td_srdhm(sub ? s1 - s2 : s1 + s2, p->out_mult),
                                      -p->out_shift) + p->out_offset;
        const int16_t r = (int16_t)td_clamp_i32(raw, p->act_min, p->act_max);
        memcpy(out + 2 * i, &r, sizeof r);
        if (p->ndim) td_bcast_step(p, p->ndim - 1, idx, &o1, &o2);
    }
}

void td_add_s16(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out) {
    add_sub_s16(p, in1, in2, out, 0);
}

void td_sub_s16(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out) {
    add_sub_s16(p, in1, in2, out, 1);
}
