/* Private to the fast CONV_2D kernels (td_conv2d_1x1_s8.c, td_conv2d_im2col_s8.c): the
 * matrix core that turns columns of int16 inputs into int8 outputs, two output channels
 * by two pixels at a time.
 *
 * Layouts, all prepared at build time by compiler/kernel_layout.py:
 * - weights: rows of k4 = depth rounded up to 4, zero-padded; rows in pairs, word-
 *   interleaved (row a bytes 4g..4g+3, then row b's), an odd last row on its own;
 * - acc0[oc] = bias + in_offset * sum(row), so columns hold raw inputs (a padded tap
 *   holds the input zero point and adds nothing);
 * - rq[oc]: td_rq_apply requantization including the output zero point.
 * Columns (scratch, built per pixel pair): group g of pixel q at int16 slots
 * (2g + q) * 4 .. +3; with TD_USE_SIMD in SXTB16 order (x0, x2, x1, x3) so one SXTB16 of
 * a weight word pairs with one column word; otherwise in natural order.
 * A kernel that defines TD_CONV_PAIRS to 1 before including this (td_conv2d_sparse_s8.c)
 * gets columns of pixel pairs instead: element k of pixel q at int16 slot 2k + q, so one
 * word holds both pixels' element k; it then defines td_conv_columns itself, or, with
 * TD_CONV_OWN_PIXELS 1 too (td_conv2d_nm_s8.c), its own pixel loop around the gathers. */
#ifndef TD_CONV_CORE_H
#define TD_CONV_CORE_H

#include "td_kernels.h"
#include "td_simd.h"

#ifndef TD_CONV_PAIRS
#define TD_CONV_PAIRS 0
#endif
#ifndef TD_CONV_OWN_PIXELS
#define TD_CONV_OWN_PIXELS 0
#endif

/* Column slot of group g, pixel q. */
static inline int16_t *td_col_slot(int16_t *cols, int32_t g, int32_t q) {
    return TD_CONV_PAIRS ? cols + 8 * g + q : cols + (2 * g + q) * 4;
}

/* Four raw int8 inputs into one column group. */
static inline void td_col_put4(int16_t *slot, uint32_t word) {
#if TD_CONV_PAIRS
    slot[0] = (int8_t)(word & 0xFFu);
    slot[2] = (int8_t)((word >> 8) & 0xFFu);
    slot[4] = (int8_t)((word >> 16) & 0xFFu);
    slot[6] = (int8_t)(word >> 24);
#elif TD_USE_SIMD
    td_store_a32(slot, td_sxtb16(word));
    td_store_a32(slot + 2, td_sxtb16_hi(word));
#else
    slot[0] = (int8_t)(word & 0xFFu);
    slot[1] = (int8_t)((word >> 8) & 0xFFu);
    slot[2] = (int8_t)((word >> 16) & 0xFFu);
    slot[3] = (int8_t)(word >> 24);
#endif
}

/* n int8 values (any n) from src into pixel q's column starting at group g0; the groups
 * past n up to a whole word are zero (their weights are zero-padded too). */
static inline void td_col_put(int16_t *cols, int32_t q, int32_t g0, const int8_t *src,
                              int32_t n) {
    int32_t g = g0, i = 0;
#if !TD_CONV_PAIRS
    /* two words per pass: the second load right after the first costs one cycle on
     * Cortex-M4 (ARM DDI 0439B 3.3.2) and the loop test is shared */
    for (; i + 8 <= n; i += 8, g += 2) {
        const uint32_t u = td_read_u32(src + i), v = td_read_u32(src + i + 4);
        td_col_put4(td_col_slot(cols, g, q), u);
        td_col_put4(td_col_slot(cols, g + 1, q), v);
    }
#endif
    for (; i + 4 <= n; i += 4, ++g) td_col_put4(td_col_slot(cols, g, q), td_read_u32(src + i));
    if (i < n) {
        uint8_t tail[4] = {0, 0, 0, 0};
        int32_t j;
        for (j = 0; i + j < n; ++j) tail[j] = (uint8_t)src[i + j];
        td_col_put4(td_col_slot(cols, g, q), td_read_u32(tail));
    }
}

/* ngroups groups of pixel q filled with one value (the zero point for padded taps). */
static inline void td_col_fill(int16_t *cols, int32_t q, int32_t g0, int32_t ngroups,
                               int8_t v) {
    int32_t g;
    for (g = g0; g < g0 + ngroups; ++g) {
#if TD_CONV_PAIRS
        td_col_put4(td_col_slot(cols, g, q), (uint8_t)v * 0x01010101u);
#else
        const uint32_t pair = td_pack16(v, v);
        td_store_a32(td_col_slot(cols, g, q), pair);
        td_store_a32(td_col_slot(cols, g, q) + 2, pair);
#endif
    }
}

/* One channel's outputs for two pixels: the td_rq_t words are loaded once (one LDRD) and
 * c_hi taken out of w once for both. d1 is written before d0, so a caller with one pixel
 * passes d1 == d0 and its second column's result is overwritten. full: the activation
 * range is all of int8, so one saturation clamps. */
static inline __attribute__((always_inline)) void td_conv_out2(
        int32_t a0, int32_t a1, const td_rq_t *q, int32_t lo, int32_t hi, int full,
        int8_t *d0, int8_t *d1) {
    uint32_t mult, w;
    const void *qp = q;
    int32_t c_hi, r;
    TD_LDRD_INC(mult, w, qp);
    c_hi = (int32_t)w >> 8;
    r = td_asr_w(td_rq_hi(a1, (int32_t)mult, c_hi), (int32_t)w);
    *d1 = (int8_t)(full ? td_ssat8(r) : td_clamp_i32(r, lo, hi));
    r = td_asr_w(td_rq_hi(a0, (int32_t)mult, c_hi), (int32_t)w);
    *d0 = (int8_t)(full ? td_ssat8(r) : td_clamp_i32(r, lo, hi));
}

#if !TD_CONV_PAIRS
/* One 4-deep group for 2 channels x 2 pixels: one LDRD of the interleaved weights, one LDM
 * of the columns, four SXTB16 and eight SMLAD (16 MACs). */
#define TD_CONV_GROUP2X2(wp, xp, a00, a01, a10, a11)                                     \
    do {                                                                                 \
        uint32_t wa_, wb_, x00_, x01_, x10_, x11_, t_;                                   \
        TD_LDRD_INC(wa_, wb_, wp);                                                       \
        TD_LDM4_INC(x00_, x01_, x10_, x11_, xp);                                         \
        t_ = td_sxtb16(wa_);                                                             \
        a00 = td_smlad(t_, x00_, a00);                                                   \
        a01 = td_smlad(t_, x10_, a01);                                                   \
        t_ = td_sxtb16_hi(wa_);                                                          \
        a00 = td_smlad(t_, x01_, a00);                                                   \
        a01 = td_smlad(t_, x11_, a01);                                                   \
        t_ = td_sxtb16(wb_);                                                             \
        a10 = td_smlad(t_, x00_, a10);                                                   \
        a11 = td_smlad(t_, x10_, a11);                                                   \
        t_ = td_sxtb16_hi(wb_);                                                          \
        a10 = td_smlad(t_, x01_, a10);                                                   \
        a11 = td_smlad(t_, x11_, a11);                                                   \
    } while (0)

/* All output channels of two pixels (one pixel: d1 == d0, column q = 0 only counts).
 * k4w = k4 / 4 groups; full as in td_conv_out2 (a constant at each call site, so the
 * compiler makes one copy per range kind). */
static inline __attribute__((always_inline)) void td_conv_columns_k(
        const td_conv_params_t *p, const int16_t *cols, int32_t k4w, int8_t *d0, int8_t *d1,
        int full) {
    /* locals: the int8 stores below may alias anything, so struct fields would be reloaded */
    const int8_t *w = p->weights;
    const int32_t *acc0 = p->acc0;
    const td_rq_t *rq = p->rq;
    const int32_t lo = p->act_min, hi = p->act_max, out_c = p->out_c;
    const int16_t *const xend = cols + k4w * 8;
    int32_t oc = 0;
    for (; oc + 2 <= out_c; oc += 2) {
        int32_t a00 = acc0[oc], a01 = a00, a10 = acc0[oc + 1], a11 = a10;
        const int16_t *x = cols;
#if TD_USE_SIMD
        {
            const void *wp = w, *xp = x;
            /* two groups per pass (one loop branch per 32 MACs); an odd group first */
            if (k4w & 1) TD_CONV_GROUP2X2(wp, xp, a00, a01, a10, a11);
            while (xp < (const void *)xend) {
                TD_CONV_GROUP2X2(wp, xp, a00, a01, a10, a11);
                TD_CONV_GROUP2X2(wp, xp, a00, a01, a10, a11);
            }
            w = (const int8_t *)wp;
        }
#else
        while (x < xend) {
            int32_t j;
            for (j = 0; j < 4; ++j) {
                const int32_t wa = w[j], wb = w[4 + j], x0 = x[j], x1 = x[4 + j];
                a00 += wa * x0;
                a01 += wa * x1;
                a10 += wb * x0;
                a11 += wb * x1;
            }
            w += 8;
            x += 8;
        }
#endif
        td_conv_out2(a00, a01, &rq[oc], lo, hi, full, d0 + oc, d1 + oc);
        td_conv_out2(a10, a11, &rq[oc + 1], lo, hi, full, d0 + oc + 1, d1 + oc + 1);
    }
    if (oc < out_c) {   /* odd last channel: its row is not interleaved */
        int32_t a0 = acc0[oc], a1 = a0;
        const int16_t *x = cols;
        while (x < xend) {
#if TD_USE_SIMD
            const uint32_t wa = td_load_a32(w);
            uint32_t t = td_sxtb16(wa);
            a0 = td_smlad(t, td_load_a32(x), a0);
            a1 = td_smlad(t, td_load_a32(x + 4), a1);
            t = td_sxtb16_hi(wa);
            a0 = td_smlad(t, td_load_a32(x + 2), a0);
            a1 = td_smlad(t, td_load_a32(x + 6), a1);
#else
            int32_t j;
            for (j = 0; j < 4; ++j) {
                a0 += (int32_t)w[j] * x[j];
                a1 += (int32_t)w[j] * x[4 + j];
            }
#endif
            w += 4;
            x += 8;
        }
        td_conv_out2(a0, a1, &rq[oc], lo, hi, full, d0 + oc, d1 + oc);
    }
}

static TD_NO_SCHED void td_conv_columns(const td_conv_params_t *p, const int16_t *cols,
                                        int32_t k4w, int8_t *d0, int8_t *d1) {
    if (p->act_min == -128 && p->act_max == 127) {
        td_conv_columns_k(p, cols, k4w, d0, d1, 1);
    } else {
        td_conv_columns_k(p, cols, k4w, d0, d1, 0);
    }
}

#elif !TD_CONV_OWN_PIXELS
static void td_conv_columns(const td_conv_params_t *p, const int16_t *cols, int32_t k4w,
                            int8_t *d0, int8_t *d1);
#endif

/* Fills pixel q's column for output pixel (b, y, x). */
typedef void (*td_gather_fn)(const td_conv_params_t *p, const int8_t *in, int16_t *cols,
                             int32_t q, int32_t b, int32_t y, int32_t x);

#if !TD_CONV_OWN_PIXELS
/* Every output pixel, two at a time (an odd last one alone): gather their columns, then
 * all output channels. gather is a constant at each call site and is inlined. */
static inline __attribute__((always_inline)) void td_conv_pixels(
        const td_conv_params_t *p, const int8_t *in, int16_t *cols, int32_t k4w, int8_t *out,
        td_gather_fn gather) {
    const int32_t npix = p->batches * p->out_h * p->out_w;
    int32_t i, y = 0, x = 0, b = 0;
    for (i = 0; i < npix; i += 2) {
        const int32_t n = npix - i < 2 ? 1 : 2;
        int32_t q;
        for (q = 0; q < n; ++q) {
            gather(p, in, cols, q, b, y, x);
            if (++x == p->out_w) {
                x = 0;
                if (++y == p->out_h) {
                    y = 0;
                    ++b;
                }
            }
        }
        td_conv_columns(p, cols, k4w, out + i * p->out_c, out + (i + n - 1) * p->out_c);
    }
}

#endif

#endif
