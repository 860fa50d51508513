/* CONV_2D with 2:4 weights (compiler/encode_nm.py), 1x1 or general filter (strides,
 * padding, dilation; no groups): per channel and pair of 4-element groups a, b of the
 * flattened [kh][kw][ic] depth, one value word [v0a v1a v0b v1b] and one code byte
 * p0a | p0b << 2 | p1a << 4 | p1b << 6. The gathers of td_conv2d_1x1_s8 and
 * td_conv2d_im2col_s8 fill columns of pixel pairs (TD_CONV_PAIRS: one word holds element
 * k of both pixels), four pixels at a time. acc0 and rq as for the dense kernels: the zero
 * weights add nothing to the reference's sums, so the bytes equal TFLM's.
 * DSP path: per four pixels, a table holds for every pair of groups its 16 position
 * combinations (pa, pb) as four int16-pair words (x[a, pa], x[b, pb]), one per pixel; a
 * channel's pair then costs a code byte, two lookups of two LDRD, two SXTB16 of the value
 * word and eight SMLAD (32 weight-pixel products of the dense layer).
 * Scratch: int8 staging (k4 bytes), the columns of pixels 0, 1 and of pixels 2, 3 (each
 * 8 * pairs words, the elements past k4 zero), the table (64 words a pair). */
#define TD_CONV_PAIRS 1
#define TD_CONV_OWN_PIXELS 1
#include "td_conv_gather.h"
#include "td_nm.h"

/* The column word of element k (both pixels of a column pair). */
#define TD_NM_COL(cols, k) td_load_a32((cols) + 2 * (k))

#if TD_USE_SIMD
/* The high half of hi over the high half of lo (one PKHTB; GCC 12 makes AND and ORR). */
#if TD_HAVE_DSP
static inline uint32_t td_pkhtb(uint32_t hi, uint32_t lo) {
    uint32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(hi), "r"(lo));
    return r;
}
#else
static inline uint32_t td_pkhtb(uint32_t hi, uint32_t lo) {
    return (hi & 0xFFFF0000u) | (lo >> 16);
}
#endif

/* The four pixels' table: per pair t, entry pa | pb << 2 holds four words, pixel q's
 * (x_q[8t + pa], x_q[8t + 4 + pb]): from the column words of a pixel pair, one PKHBT
 * (pixel 0 or 2) and one PKHTB (pixel 1 or 3) each. */
static inline uint32_t *td_conv_nm_entry(uint32_t *tab, uint32_t l01, uint32_t l23,
                                         uint32_t h01, uint32_t h23) {
    tab[0] = td_pkhbt(l01, h01);
    tab[1] = td_pkhtb(h01, l01);
    tab[2] = td_pkhbt(l23, h23);
    tab[3] = td_pkhtb(h23, l23);
    return tab + 4;
}

static void td_conv_nm_table(uint32_t *tab, const int16_t *c01, const int16_t *c23,
                             int32_t pairs) {
    int32_t t, pb;
    for (t = 0; t < pairs; ++t, c01 += 16, c23 += 16) {
        const uint32_t a0 = TD_NM_COL(c01, 0), a1 = TD_NM_COL(c01, 1);
        const uint32_t a2 = TD_NM_COL(c01, 2), a3 = TD_NM_COL(c01, 3);
        const uint32_t b0 = TD_NM_COL(c23, 0), b1 = TD_NM_COL(c23, 1);
        const uint32_t b2 = TD_NM_COL(c23, 2), b3 = TD_NM_COL(c23, 3);
        for (pb = 0; pb < 4; ++pb) {
            const uint32_t h01 = TD_NM_COL(c01, 4 + pb), h23 = TD_NM_COL(c23, 4 + pb);
            tab = td_conv_nm_entry(tab, a0, b0, h01, h23);
            tab = td_conv_nm_entry(tab, a1, b1, h01, h23);
            tab = td_conv_nm_entry(tab, a2, b2, h01, h23);
            tab = td_conv_nm_entry(tab, a3, b3, h01, h23);
        }
    }
}

/* Half a value word (s: SXTB16 of it) against the table entry at e + off / 4 (off a
 * literal: the entry of the next pair is 256 bytes on) for the four pixels. */
#define TD_NM_ENTRY(s, e, off, a0, a1, a2, a3)                                           \
    do {                                                                                 \
        uint32_t e0_, e1_;                                                               \
        const uint32_t *ep_ = (e);                                                       \
        TD_NM_LDRD(e0_, e1_, ep_, off);                                                  \
        a0 = td_smlad(s, e0_, a0);                                                       \
        a1 = td_smlad(s, e1_, a1);                                                       \
        TD_NM_LDRD(e0_, e1_, ep_, off + 8);                                              \
        a2 = td_smlad(s, e0_, a2);                                                       \
        a3 = td_smlad(s, e1_, a3);                                                       \
    } while (0)

/* One pair (value word vw, code byte k, table of the pair at tp + off / 4). */
#define TD_NM_PAIR(vw, k, tp, off, a0, a1, a2, a3)                                       \
    do {                                                                                 \
        uint32_t s_ = td_sxtb16(vw);                                                     \
        TD_NM_ENTRY(s_, (tp) + 4 * ((k) & 15u), off, a0, a1, a2, a3);                    \
        s_ = td_sxtb16_hi(vw);                                                           \
        TD_NM_ENTRY(s_, (tp) + 4 * (((k) >> 4) & 15u), off, a0, a1, a2, a3);             \
    } while (0)
#endif

/* All output channels of four pixels (d0..d3; a missing pixel repeats the last one, so
 * its outputs are written twice with the same bytes). full as in td_conv_out2. */
static inline __attribute__((always_inline)) void td_conv_nm_k(
        const td_conv_params_t *p, const int16_t *c01, const int16_t *c23,
        const uint32_t *tab, int32_t pairs, int8_t *const *d, int full) {
    const int32_t *acc0 = p->acc0;
    const td_rq_t *rq = p->rq;
    const int32_t lo = p->act_min, hi = p->act_max, out_c = p->out_c;
    const int8_t *v = p->weights;
    const uint8_t *c = (const uint8_t *)v + 4 * pairs * out_c;
    int8_t *const d0 = d[0], *const d1 = d[1], *const d2 = d[2], *const d3 = d[3];
    int32_t oc;
#if TD_USE_SIMD
    const uint32_t *const tend = tab + 64 * pairs;
    const uint32_t *const tstart = tab + 64 * (pairs & 1);
    (void)c01;
    (void)c23;
#endif
    for (oc = 0; oc < out_c; ++oc) {
        int32_t a0 = acc0[oc], a1 = a0, a2 = a0, a3 = a0;
#if TD_USE_SIMD
        const uint32_t *tp = tstart;
        /* an odd pair first, then two pairs per pass (one LDRD of values, one halfword
         * of codes, the second pair's entries at offsets) */
        if (tp != tab) {
            const uint32_t k = *c++;
            TD_NM_PAIR(td_load_a32(v), k, tab, 0, a0, a1, a2, a3);
            v += 4;
        }
        for (; tp < tend; tp += 128) {
            uint32_t w0, w1;
            const void *vp = v;
            const uint32_t k = (uint32_t)c[0] | (uint32_t)c[1] << 8;
            TD_LDRD_INC(w0, w1, vp);
            v = (const int8_t *)vp;
            c += 2;
            TD_NM_PAIR(w0, k, tp, 0, a0, a1, a2, a3);
            TD_NM_PAIR(w1, k >> 8, tp, 256, a0, a1, a2, a3);
        }
#else
        int32_t t;
        (void)tab;
        for (t = 0; t < pairs; ++t, v += 4) {
            const uint32_t code = *c++;
            const int32_t k[4] = {8 * t + (int32_t)(code & 3u),
                                  8 * t + (int32_t)((code >> 4) & 3u),
                                  8 * t + 4 + (int32_t)((code >> 2) & 3u),
                                  8 * t + 4 + (int32_t)(code >> 6)};
            int32_t j;
            for (j = 0; j < 4; ++j) {
                const int32_t w = v[j];
                a0 += w * c01[2 * k[j]];
                a1 += w * c01[2 * k[j] + 1];
                a2 += w * c23[2 * k[j]];
                a3 += w * c23[2 * k[j] + 1];
            }
        }
#endif
        td_conv_out2(a2, a3, &rq[oc], lo, hi, full, d2 + oc, d3 + oc);
        td_conv_out2(a0, a1, &rq[oc], lo, hi, full, d0 + oc, d1 + oc);
    }
}

/* the hot loop is written in the order it should run (td_simd.h) */
static TD_NO_SCHED void td_conv_nm_channels(const td_conv_params_t *p, const int16_t *c01,
                                            const int16_t *c23, const uint32_t *tab,
                                            int32_t pairs, int8_t *const *d) {
    if (p->act_min == -128 && p->act_max == 127) {
        td_conv_nm_k(p, c01, c23, tab, pairs, d, 1);
    } else {
        td_conv_nm_k(p, c01, c23, tab, pairs, d, 0);
    }
}

/* Every output pixel, four at a time (the last pixel repeated to fill the last four). */
static inline __attribute__((always_inline)) void td_conv_nm_pixels(
        const td_conv_params_t *p, const int8_t *in, int8_t *out, td_gather_fn gather) {
    const int32_t k4 = (p->k_h * p->k_w * p->in_c + 3) / 4 * 4, pairs = (k4 + 7) / 8;
    const int32_t npix = p->batches * p->out_h * p->out_w;
    int16_t *const c01 = (int16_t *)(void *)((int8_t *)p->scratch + k4);
    int16_t *const c23 = c01 + 16 * pairs;
    uint32_t *const tab = (uint32_t *)(void *)(c23 + 16 * pairs);
    int32_t i, q, y = 0, x = 0, b = 0, ly = 0, lx = 0, lb = 0;
    /* the elements past the depth: their values are zero, but they are read */
    for (i = 2 * k4; i < 16 * pairs; ++i) c01[i] = c23[i] = 0;
    for (i = 0; i < npix; i += 4) {
        int8_t *d[4];
        for (q = 0; q < 4; ++q) {
            if (i + q < npix) {
                lb = b;
                ly = y;
                lx = x;
                d[q] = out + (i + q) * p->out_c;
                if (++x == p->out_w) {
                    x = 0;
                    if (++y == p->out_h) {
                        y = 0;
                        ++b;
                    }
                }
            } else {
                d[q] = d[q - 1];
            }
            gather(p, in, q < 2 ? c01 : c23, q & 1, lb, ly, lx);
        }
#if TD_USE_SIMD
        td_conv_nm_table(tab, c01, c23, pairs);
#endif
        td_conv_nm_channels(p, c01, c23, tab, pairs, d);
    }
}

void td_conv2d_nm_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out) {
    /* the build-time choice of td_conv2d_1x1_s8: its column needs no staging area */
    if (p->k_h == 1 && p->k_w == 1 && p->pad_h == 0 && p->pad_w == 0
            && (p->out_h - 1) * p->stride_h < p->in_h && (p->out_w - 1) * p->stride_w < p->in_w) {
        td_conv_nm_pixels(p, in, out, td_gather_1x1);
    } else {
        td_conv_nm_pixels(p, in, out, td_im2col);
    }
}
