/* FULLY_CONNECTED with build-time layouts (TFLM FullyConnected / FullyConnectedPerChannel,
 * symmetric weights): four output rows per pass over the input, their weights word-
 * interleaved by kernel_layout.interleave_rows(w, 4) so one pointer walks them in order;
 * acc0 = bias + in_offset * sum(row) so the raw inputs are multiplied; one td_rq_t per row
 * (per_channel) or one for all. Rows left over after the last group of four follow one by
 * one. The integer sums equal the reference's, so the bytes do. */
#include "td_kernels.h"
#include "td_simd.h"

static inline int8_t td_fc_out(int32_t acc, const td_rq_t *q, int32_t lo, int32_t hi) {
    return (int8_t)td_clamp_i32(td_rq_apply(acc, q), lo, hi);
}

/* n (1-4) inputs of one word group into the four rows' accumulators, scalar. */
static inline void td_fc_bytes4(const int8_t *w, const int8_t *x, int32_t n, int32_t *a0,
                                int32_t *a1, int32_t *a2, int32_t *a3) {
    int32_t j;
    for (j = 0; j < n; ++j) {
        const int32_t xj = x[j];
        *a0 += w[j] * xj;
        *a1 += w[4 + j] * xj;
        *a2 += w[8 + j] * xj;
        *a3 += w[12 + j] * xj;
    }
}

void td_fully_connected_rows4_s8(const td_fc_params_t *p, const int8_t *in, int8_t *out) {
    /* whole input words, then the 1-3 inputs of a last partial word (its weight bytes
     * beyond the depth are zero padding and are not read with the input) */
    const int32_t kw = p->in_depth / 4, tail = p->in_depth % 4, out_n = p->out_n;
    const int32_t lo = p->act_min, hi = p->act_max, step = p->per_channel ? 1 : 0;
    const int32_t *acc0 = p->acc0;
    const td_rq_t *rq = p->rq;
    int32_t b;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x0 = in + b * p->in_depth;
        int8_t *dst = out + b * out_n;
        const int8_t *w = p->weights;
        int32_t o = 0, g;
        for (; o + 4 <= out_n; o += 4) {
            int32_t a0 = acc0[o], a1 = acc0[o + 1], a2 = acc0[o + 2], a3 = acc0[o + 3];
            const int8_t *x = x0;
            for (g = 0; g < kw; ++g) {
#if TD_USE_SIMD
                const uint32_t xv = td_read_u32(x);   /* the input need not be aligned */
                const uint32_t xl = td_sxtb16(xv), xh = td_sxtb16_hi(xv);
                uint32_t wa, wb;
                const void *wp = w;
                TD_LDRD_INC(wa, wb, wp);
                a0 = td_smlad(td_sxtb16(wa), xl, a0);
                a0 = td_smlad(td_sxtb16_hi(wa), xh, a0);
                a1 = td_smlad(td_sxtb16(wb), xl, a1);
                a1 = td_smlad(td_sxtb16_hi(wb), xh, a1);
                TD_LDRD_INC(wa, wb, wp);
                a2 = td_smlad(td_sxtb16(wa), xl, a2);
                a2 = td_smlad(td_sxtb16_hi(wa), xh, a2);
                a3 = td_smlad(td_sxtb16(wb), xl, a3);
                a3 = td_smlad(td_sxtb16_hi(wb), xh, a3);
                w = (const int8_t *)wp;
#else
                td_fc_bytes4(w, x, 4, &a0, &a1, &a2, &a3);
                w += 16;
#endif
                x += 4;
            }
            if (tail) {
                td_fc_bytes4(w, x, tail, &a0, &a1, &a2, &a3);
                w += 16;
            }
            dst[o] = td_fc_out(a0, &rq[o * step], lo, hi);
            dst[o + 1] = td_fc_out(a1, &rq[(o + 1) * step], lo, hi);
            dst[o + 2] = td_fc_out(a2, &rq[(o + 2) * step], lo, hi);
            dst[o + 3] = td_fc_out(a3, &rq[(o + 3) * step], lo, hi);
        }
        for (; o < out_n; ++o) {
            int32_t a = acc0[o];
            for (g = 0; g < p->in_depth; ++g) a += w[g] * x0[g];
            w += (p->in_depth + 3) / 4 * 4;
            dst[o] = td_fc_out(a, &rq[o * step], lo, hi);
        }
    }
}
