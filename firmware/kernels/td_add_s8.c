/* ADD and SUB with N-D broadcasting, bit-exact with TFLM's reference integer Add
 * (AddElementwise / BroadcastAdd6DSlow) and Sub (SubElementwise / BroadcastQuantSubSlow): each input is offset, shifted left by left_shift and scaled by its
 * multiplier (SaturatingRoundingDoublingHighMul + RoundingDivideByPOT), the sum is
 * requantized to the output.
 *
 * Fast path (p->lut, compiler/lower/elementwise.py): an input's scaled value depends on its
 * int8 value only, so the build computes both inputs' 256 scaled values (the reference
 * arithmetic, exactly); an element is then two table reads, one add and the one-step
 * requantization (td_rq64_t) of the sum. Four elements per word on DSP cores, with the
 * byte-lane clamp. Broadcasting walks the output with an odometer over all but the last
 * dimension (the lowering merges dimensions that are contiguous in both inputs) and runs
 * the last one as a flat run. */
#include "td_kernels.h"
#include "td_broadcast.h"
#include "td_fixedpoint.h"
#include "td_simd.h"
#include "td_simd_s8x4.h"

/* sub: the difference of the scaled inputs (SUB), else their sum (ADD). */
static int8_t add_ref(const td_binary_params_t *p, int32_t a, int32_t b, int sub) {
    const int32_t x1 = td_shl(p->in1_offset + a, p->left_shift);
    const int32_t x2 = td_shl(p->in2_offset + b, p->left_shift);
    const int32_t s1 = td_rdbpot(td_srdhm(x1, p->in1_mult), -p->in1_shift);
    const int32_t s2 = td_rdbpot(td_srdhm(x2, p->in2_mult), -p->in2_shift);
    const int32_t raw = td_rdbpot(td_srdhm(sub ? s1 - s2 : s1 + s2, p->out_mult), -p->out_shift)
                        + p->out_offset;
    return (int8_t)td_clamp_i32(raw, p->act_min, p->act_max);
}

/* The requantization constants of the fast path, loaded once per run. */
typedef struct {
    const int32_t *t1, *t2;      /* lut + 128, lut + 384: index by the int8 value */
    uint64_t c;                  /* td_rq64_t c_lo | c_hi << 32 */
    int32_t mult, rshift, lo, hi;
} add_fast_t;

/* td_rq64_apply(sum) saturated to int8: c + sum * mult + [sum < 0] * INT32_MIN, high word
 * shifted right (the sign term as a second SMLAL on DSP cores). */
static inline int32_t add_rq(int32_t sum, uint64_t c, int32_t mult, int32_t rshift,
                             int32_t min32) {
    int64_t v = (int64_t)c + (int64_t)sum * mult;
#if TD_HAVE_DSP
    uint32_t lo = (uint32_t)v, hi = (uint32_t)((uint64_t)v >> 32);
    __asm__("smlal %0, %1, %2, %3" : "+r"(lo), "+r"(hi) : "r"((uint32_t)sum >> 31), "r"(min32));
    return td_ssat8((int32_t)hi >> rshift);
#else
    v += (int64_t)(int32_t)((uint32_t)sum >> 31) * min32;
    return td_ssat8((int32_t)((uint64_t)v >> 32) >> rshift);
#endif
}

/* n elements, a and b advancing by sa and sb (0 or 1). The constants are copied into
 * locals first: the int8 stores may alias anything reachable through a pointer. */
static void add_run(const add_fast_t *f, const int8_t *a, int32_t sa, const int8_t *b,
                    int32_t sb, int8_t *out, int32_t n) {
    const int32_t *const t1 = f->t1, *const t2 = f->t2;
    const uint64_t c = f->c;
    const int32_t mult = f->mult, rshift = f->rshift, lo = f->lo, hi = f->hi;
    int32_t min32 = TD_INT32_MIN;
    int32_t i = 0;
    TD_OPAQUE(min32);          /* a register operand of SMLAL, not a constant to fold */
#if TD_USE_SIMD
    if (sa == 1 && sb == 1) {
        const int clamp = lo > -128 || hi < 127;
        const uint32_t lo4 = td_splat_s8x4(lo), hi4 = td_splat_s8x4(hi);
#define TD_ADD4(CLAMP)                                                                   \
        for (; i + 4 <= n; i += 4) {                                                     \
            const uint32_t va = td_read_u32(a + i), vb = td_read_u32(b + i);             \
            uint32_t v = td_pack_s8x4(                                                   \
                add_rq(t1[(int8_t)va] + t2[(int8_t)vb], c, mult, rshift, min32),         \
                add_rq(t1[(int8_t)(va >> 8)] + t2[(int8_t)(vb >> 8)], c, mult, rshift, min32), \
                add_rq(t1[(int8_t)(va >> 16)] + t2[(int8_t)(vb >> 16)], c, mult, rshift, min32), \
                add_rq(t1[(int8_t)(va >> 24)] + t2[(int8_t)(vb >> 24)], c, mult, rshift, min32)); \
            if (CLAMP) v = td_min_s8x4(td_max_s8x4(v, lo4), hi4);                        \
            td_write_u32(out + i, v);                                                    \
        }
        if (clamp) {
            TD_ADD4(1)
        } else {
            TD_ADD4(0)
        }
#undef TD_ADD4
    }
#endif
    for (; i < n; ++i) {       /* td_rq64_apply and the clamp (no saturation step needed) */
        const int32_t sum = t1[a[i * sa]] + t2[b[i * sb]];
        int64_t v = (int64_t)c + (int64_t)sum * mult;
        v -= (int64_t)((uint32_t)sum & 0x80000000u);
        out[i] = (int8_t)td_clamp_i32((int32_t)((uint64_t)v >> 32) >> rshift, lo, hi);
    }
    (void)min32;
}

static void add_sub(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2,
                    int8_t *out, int sub) {
    int32_t idx[TD_MAX_DIMS] = {0};
    int32_t i, o1 = 0, o2 = 0;
    if (p->lut) {
        add_fast_t f;
        const int32_t nd = p->ndim, run = nd ? p->dims[nd - 1] : p->size;
        f.t1 = p->lut + 128;
        f.t2 = p->lut + 384;
        f.c = ((uint64_t)(uint32_t)p->out_rq.c_hi << 32) | p->out_rq.c_lo;
        f.mult = p->out_rq.mult;
        f.rshift = p->out_rq.rshift;
        f.lo = p->act_min;
        f.hi = p->act_max;
        if (nd == 0) {
            add_run(&f, in1, 1, in2, 1, out, p->size);
            return;
        }
        /* odometer over dims[0..nd-2], the last dimension as one run */
        for (i = 0; i < p->size; i += run) {
            add_run(&f, in1 + o1, p->strides1[nd - 1], in2 + o2, p->strides2[nd - 1], out + i,
                    run);
            td_bcast_step(p, nd - 2, idx, &o1, &o2);
        }
        return;
    }
    if (p->ndim == 0) {
        for (i = 0; i < p->size; ++i) out[i] = add_ref(p, in1[i], in2[i], sub);
        return;
    }
    /* Odometer over the output; offsets into the inputs follow their strides. */
    for (i = 0; i < p->size; ++i) {
        out[i] = add_ref(p, in1[o1], in2[o2], sub);
        td_bcast_step(p, p->ndim - 1, idx, &o1, &o2);
    }
}

void td_add_s8(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out) {
    add_sub(p, in1, in2, out, 0);
}

/* SUB (TFLM reference Sub / BroadcastQuantSubSlow): the same arithmetic with s1 - s2; the
 * fast path's table holds input 2's scaled values negated, so its loop is ADD's. */
void td_sub_s8(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out) {
    add_sub(p, in1, in2, out, 1);
}
