/* CONV_2D with sparse weights (compiler/encode_sparse.py, td_sparse.h), 1x1 or general
 * filter (strides, padding, dilation; no groups): the gathers of td_conv2d_1x1_s8 and
 * td_conv2d_im2col_s8 fill columns of pixel pairs (TD_CONV_PAIRS: one word holds element
 * k of both pixels), then each channel reads only its non-zero weights' elements, for
 * both pixels at once. acc0 and rq as for the dense kernels: the zero weights add nothing
 * to the reference's sums, so the bytes equal TFLM's. */
#define TD_CONV_PAIRS 1
#include "td_conv_gather.h"
#include "td_sparse.h"

#if TD_USE_SIMD
/* Four entries for two pixels: one UXTAB and one LDR of the pixel pair per entry, then
 * the value (a half of SXTB16 of the value word: v0, v2 in t02, v1, v3 in t13) times each
 * pixel's half. lo, hi: the gaps as TD_GAPS_LO/HI give them, their bytes k0 and k1 (literals). */
#define TD_CONV_SPARSE4(vw, lo, hi, k0, k1, cw, pos, a0, a1)                                     \
    do {                                                                                 \
        const uint32_t t02_ = td_sxtb16(vw), t13_ = td_sxtb16_hi(vw);                    \
        uint32_t x_;                                                                     \
        TD_ADD_BYTE(pos, lo, k0);                                                             \
        x_ = cw[pos];                                                                    \
        a0 = td_smlabb(t02_, x_, a0);                                                    \
        a1 = td_smlabt(t02_, x_, a1);                                                    \
        TD_ADD_BYTE(pos, hi, k0);                                                             \
        x_ = cw[pos];                                                                    \
        a0 = td_smlabb(t13_, x_, a0);                                                    \
        a1 = td_smlabt(t13_, x_, a1);                                                    \
        TD_ADD_BYTE(pos, lo, k1);                                                      \
        x_ = cw[pos];                                                                    \
        a0 = td_smlatb(t02_, x_, a0);                                                    \
        a1 = td_smlatt(t02_, x_, a1);                                                    \
        TD_ADD_BYTE(pos, hi, k1);                                                      \
        x_ = cw[pos];                                                                    \
        a0 = td_smlatb(t13_, x_, a0);                                                    \
        a1 = td_smlatt(t13_, x_, a1);                                                    \
    } while (0)
#endif

/* All output channels of two pixels (one pixel: d1 == d0); full as in td_conv_out2, wide
 * as in td_sparse_row (constants at each call site). */
static inline __attribute__((always_inline)) void td_conv_sparse_k(
        const td_conv_params_t *p, const int16_t *cols, int8_t *d0, int8_t *d1, int full,
        int32_t wide) {
    const int32_t *acc0 = p->acc0;
    const td_rq_t *rq = p->rq;
    const int32_t lo = p->act_min, hi = p->act_max, out_c = p->out_c;
    td_sparse_t s = td_sparse_open(p->weights, out_c, wide);
    const int8_t *v = s.v;
    const uint8_t *g = s.g;
    int32_t oc;
    for (oc = 0; oc < out_c; ++oc) {
        const int8_t *const vend = v + td_sparse_row(&s, wide);
        int32_t a0 = acc0[oc], a1 = a0;
        uint32_t pos = 0;
#if TD_USE_SIMD
        const td_word_t *cw = (const td_word_t *)(const void *)cols;
        /* an odd pair first, then an odd group of four, then eight entries per pass */
        if ((vend - v) & 2) {
            const uint32_t gb = g[0];
            uint32_t x_;
            pos += gb & 0xFu;
            x_ = cw[pos];
            a0 = td_smlabb((uint32_t)v[0], x_, a0);
            a1 = td_smlabt((uint32_t)v[0], x_, a1);
            pos += gb >> 4;
            x_ = cw[pos];
            a0 = td_smlabb((uint32_t)v[1], x_, a0);
            a1 = td_smlabt((uint32_t)v[1], x_, a1);
            v += 2;
            g += 1;
        }
        if ((vend - v) & 4) {
            const uint32_t gw = td_read_u16(g);
            const uint32_t glo = TD_GAPS_LO(gw), ghi = TD_GAPS_HI(gw);
            TD_CONV_SPARSE4(td_read_u32(v), glo, ghi, 0, 1, cw, pos, a0, a1);
            v += 4;
            g += 2;
        }
        while (v < vend) {
            const uint32_t gw = td_read_u32(g);
            const uint32_t glo = TD_GAPS_LO(gw), ghi = TD_GAPS_HI(gw);
            TD_CONV_SPARSE4(td_read_u32(v), glo, ghi, 0, 1, cw, pos, a0, a1);
            TD_CONV_SPARSE4(td_read_u32(v + 4), glo, ghi, 2, 3, cw, pos, a0, a1);
            v += 8;
            g += 4;
        }
#else
        while (v < vend) {
            const uint32_t gb = *g++;
            pos += gb & 0xFu;
            a0 += v[0] * cols[2 * pos];
            a1 += v[0] * cols[2 * pos + 1];
            pos += gb >> 4;
            a0 += v[1] * cols[2 * pos];
            a1 += v[1] * cols[2 * pos + 1];
            v += 2;
        }
#endif
        td_conv_out2(a0, a1, &rq[oc], lo, hi, full, d0 + oc, d1 + oc);
    }
}

TD_SPARSE_CONV_COLUMNS(td_conv_sparse_k)

void td_conv2d_sparse_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out) {
    td_conv_sparse_pixels(p, in, out);
}
