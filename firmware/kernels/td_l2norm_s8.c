/* L2_NORMALIZATION over the last axis, int8 in, int8 out on the scale 1/128 (TFLite
 * reference_integer_ops::L2Normalization with GetInvSqrtQuantizedMultiplierExp). */
#include "td_kernels.h"
#include "td_fixedpoint.h"

/* 1 / sqrt(input) as a Q31 multiplier and a left shift (reverse_shift -1). */
static void inv_sqrt(int32_t input, int32_t *mult, int32_t *shift) {
    const int32_t half_three = (1 << 28) + (1 << 27);       /* 1.5 in Q3.28 */
    const int32_t half_sqrt_2 = 1518500250;                 /* sqrt(2)/2 in Q0.31 */
    int32_t s = 11, in_fp, half_in, x, i;
    unsigned pairs;
    if (input <= 1) {
        *mult = TD_INT32_MAX;
        *shift = 0;
        return;
    }
    while (input >= (1 << 29)) {
        input /= 4;
        ++s;
    }
    pairs = ((unsigned)td_clz((uint32_t)input) - 1u) / 2u - 1u;
    s -= (int32_t)pairs;
    input = td_shl(input, (int)(2u * pairs));
    in_fp = input >> 1;                                     /* Q3.28 */
    half_in = td_rdbpot(in_fp, 1);
    x = 1 << 28;                                            /* Q3.28 one */
    for (i = 0; i < 5; ++i) {
        /* x3 = Rescale<3>(x * x * x): Q6 then Q9 products back to Q3 */
        const int32_t x3 = td_srmbpot(td_srdhm(td_srdhm(x, x), x), 6);
        x = td_srmbpot(td_sub_wrap(td_srdhm(half_three, x), td_srdhm(half_in, x3)), 3);
    }
    x = td_srdhm(x, half_sqrt_2);
    if (s < 0) {
        x = td_shl(x, -s);
        s = 0;
    }
    *mult = x;
    *shift = -s;
}

void td_l2norm_s8(const td_l2norm_params_t *p, const int8_t *in, int8_t *out) {
    int32_t o, j;
    for (o = 0; o < p->outer; ++o) {
        const int8_t *row = in + o * p->depth;
        int8_t *dst = out + o * p->depth;
        int32_t acc = 0, mult, shift;
        for (j = 0; j < p->depth; ++j) {
            const int32_t v = (int32_t)row[j] - p->in_zp;
            acc += v * v;
        }
        inv_sqrt(acc, &mult, &shift);
        for (j = 0; j < p->depth; ++j) {
            const int32_t v = (int32_t)row[j] - p->in_zp;
            dst[j] = (int8_t)td_clamp_i32(td_mbqm(v, mult, shift + 7), -128, 127);
        }
    }
}
