/* CONV_2D with sparse-palette weights (compiler/encode_sparse_palette.py, td_sparse.h),
 * 1x1 or general filter (strides, padding, dilation; no groups): the columns of pixel
 * pairs of td_conv2d_sparse_s8 (TD_CONV_PAIRS), each channel reading only its non-zero
 * weights' elements for both pixels, each weight looked up in the channel's 16-value table
 * from its 4-bit index. acc0 and rq as for the dense kernels: the decoded values are the
 * int8 weights and the zero weights add nothing, so the bytes equal TFLM's. */
#define TD_CONV_PAIRS 1
#include "td_conv_gather.h"
#include "td_sparse.h"

#if TD_USE_SIMD
/* One entry for two pixels: UXTAB of its gap, LDR of the pixel pair, the value by UBFX and
 * LDRSB, SMLABB and SMLABT. */
#define TD_CONVSP_ENTRY(w, gaps, k, tab, cw, pos, a0, a1)                                \
    do {                                                                                 \
        uint32_t v_, x_;                                                                 \
        TD_ADD_BYTE(pos, gaps, k);                                                       \
        x_ = (cw)[pos];                                                                  \
        v_ = (uint32_t)(int32_t)(tab)[((w) >> (8 * (k) + 4)) & 0xFu];                    \
        a0 = td_smlabb(v_, x_, a0);                                                      \
        a1 = td_smlabt(v_, x_, a1);                                                      \
    } while (0)
#else
#define TD_CONVSP_ENTRY(w, gaps, k, tab, cols, pos, a0, a1)                              \
    do {                                                                                 \
        int32_t v_;                                                                      \
        TD_ADD_BYTE(pos, gaps, k);                                                       \
        v_ = (tab)[((w) >> (8 * (k) + 4)) & 0xFu];                                       \
        a0 += v_ * (cols)[2 * (pos)];                                                    \
        a1 += v_ * (cols)[2 * (pos) + 1];                                                \
    } while (0)
#endif

/* All output channels of two pixels (one pixel: d1 == d0); full as in td_conv_out2, wide
 * as in td_sparse_row (constants at each call site). */
static inline __attribute__((always_inline)) void td_convsp_k(
        const td_conv_params_t *p, const int16_t *cols, int8_t *d0, int8_t *d1, int full,
        int32_t wide) {
    const int32_t *acc0 = p->acc0;
    const td_rq_t *rq = p->rq;
    const int32_t lo = p->act_min, hi = p->act_max, out_c = p->out_c;
    td_spal_t s = td_spal_open(p->weights, out_c, wide);
#if TD_USE_SIMD
    const td_word_t *cw = (const td_word_t *)(const void *)cols;
#else
    const int16_t *cw = cols;
#endif
    int32_t oc;
    for (oc = 0; oc < out_c; ++oc) {
        const uint8_t *e = s.e;
        const uint8_t *const eend = e + td_sparse_row_count(&s.n, wide);
        const int8_t *const tab = td_spal_table(&s, oc);
        int32_t a0 = acc0[oc], a1 = a0;
        uint32_t pos = 0;
        if ((eend - e) & 2) {
            const uint32_t w = td_read_u16(e), gaps = w & 0x0F0Fu;
            TD_CONVSP_ENTRY(w, gaps, 0, tab, cw, pos, a0, a1);
            TD_CONVSP_ENTRY(w, gaps, 1, tab, cw, pos, a0, a1);
            e += 2;
        }
        while (e < eend) {
            const uint32_t w = td_read_u32(e), gaps = w & 0x0F0F0F0Fu;
            TD_CONVSP_ENTRY(w, gaps, 0, tab, cw, pos, a0, a1);
            TD_CONVSP_ENTRY(w, gaps, 1, tab, cw, pos, a0, a1);
            TD_CONVSP_ENTRY(w, gaps, 2, tab, cw, pos, a0, a1);
            TD_CONVSP_ENTRY(w, gaps, 3, tab, cw, pos, a0, a1);
            e += 4;
        }
        s.e = e;
        td_conv_out2(a0, a1, &rq[oc], lo, hi, full, d0 + oc, d1 + oc);
    }
}

TD_SPARSE_CONV_COLUMNS(td_convsp_k)

void td_conv2d_sparse_palette_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out) {
    td_conv_sparse_pixels(p, in, out);
}
