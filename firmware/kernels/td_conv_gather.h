/* Private to the fast CONV_2D kernels: the gathers that fill a pixel's column (td_conv_core.h
 * decides the column layout) from a 1x1 filter's pixel or a general filter's receptive
 * field (padded taps hold the input zero point, which acc0 cancels). */
#ifndef TD_CONV_GATHER_H
#define TD_CONV_GATHER_H

#include <string.h>

#include "td_conv_core.h"

/* each kernel uses one or both gathers */
#if defined(__GNUC__) || defined(__clang__)
#define TD_GATHER_FN static __attribute__((unused))
#else
#define TD_GATHER_FN static
#endif

/* The pixel's channel vector is its column. */
TD_GATHER_FN void td_gather_1x1(const td_conv_params_t *p, const int8_t *in, int16_t *cols,
                                int32_t q, int32_t b, int32_t y, int32_t x) {
    td_col_put(cols, q, 0,
               in + ((b * p->in_h + y * p->stride_h) * p->in_w + x * p->stride_w) * p->in_c,
               p->in_c);
}

/* n bytes, a word at a time while whole words remain (neither side needs alignment) */
static inline void td_copy_bytes(int8_t *dst, const int8_t *src, int32_t n) {
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) td_write_u32(dst + i, td_read_u32(src + i));
    for (; i < n; ++i) dst[i] = src[i];
}

/* nw whole words from src (4-byte multiple readable) into pixel q's column from group 0 */
static inline void td_col_put_words(int16_t *cols, int32_t q, const int8_t *src, int32_t nw) {
    int32_t g;
    for (g = 0; g < nw; ++g) td_col_put4(td_col_slot(cols, g, q), td_read_u32(src + 4 * g));
}

/* Pixel q's column for output (b, oy, ox). Taps are laid out [ky][kx][c] as the weights. */
TD_GATHER_FN void td_im2col(const td_conv_params_t *p, const int8_t *in, int16_t *cols,
                            int32_t q, int32_t b, int32_t oy, int32_t ox) {
    const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;
    const int8_t zp = (int8_t)(-p->in_offset);
    const int8_t *in_b = in + b * p->in_h * p->in_w * p->in_c;
    int32_t ky, kx;
    if ((p->in_c & 3) == 0) {
        /* whole words per tap: convert straight from the input */
        const int32_t gw = p->in_c / 4;
        const int interior_x = p->dil_w == 1 && x0 >= 0 && x0 + p->k_w <= p->in_w;
        int32_t g = 0;
        for (ky = 0; ky < p->k_h; ++ky) {
            const int32_t iy = y0 + ky * p->dil_h;
            if (interior_x && iy >= 0 && iy < p->in_h) {
                /* the whole filter row is one run of the input row */
                td_col_put(cols, q, g, in_b + (iy * p->in_w + x0) * p->in_c, p->k_w * p->in_c);
                g += p->k_w * gw;
                continue;
            }
            for (kx = 0; kx < p->k_w; ++kx, g += gw) {
                const int32_t ix = x0 + kx * p->dil_w;
                if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                    td_col_fill(cols, q, g, gw, zp);
                } else {
                    td_col_put(cols, q, g, in_b + (iy * p->in_w + ix) * p->in_c, p->in_c);
                }
            }
        }
    } else if (p->dil_w == 1) {
        /* few channels: each filter row is one run of k_w * in_c input bytes; the runs are
         * gathered into the staging area (k4 bytes), then converted as whole words. The
         * pad bytes past the last tap are zeroed first (their weights are zero too). */
        const int32_t run = p->k_w * p->in_c, n = p->k_h * run;
        const int32_t kx0 = x0 < 0 ? -x0 : 0, kx1 = p->in_w - x0 < p->k_w ? p->in_w - x0 : p->k_w;
        int8_t *const stage0 = (int8_t *)p->scratch;
        int8_t *stage = stage0;
        if (n & 3) td_write_u32(stage0 + (n & ~3), 0);
        if (kx0 == 0 && kx1 == p->k_w && y0 >= 0 && y0 + (p->k_h - 1) * p->dil_h < p->in_h) {
            /* the whole window inside: one copy per row, no bounds checks */
            const int32_t rs = p->dil_h * p->in_w * p->in_c;
            const int8_t *src = in_b + (y0 * p->in_w + x0) * p->in_c;
            for (ky = 0;;) {
                td_copy_bytes(stage, src, run);
                if (++ky == p->k_h) break;
                stage += run;
                src += rs;
            }
        } else {
            for (ky = 0; ky < p->k_h; ++ky, stage += run) {
                const int32_t iy = y0 + ky * p->dil_h;
                if (iy < 0 || iy >= p->in_h || kx0 >= kx1) {
                    memset(stage, zp, (size_t)run);
                } else {
                    if (kx0 > 0 || kx1 < p->k_w) memset(stage, zp, (size_t)run);
                    td_copy_bytes(stage + kx0 * p->in_c,
                                  in_b + (iy * p->in_w + x0 + kx0) * p->in_c,
                                  (kx1 - kx0) * p->in_c);
                }
            }
        }
        td_col_put_words(cols, q, stage0, (n + 3) >> 2);
    } else {
        /* dilated rows of few channels: gather the taps' bytes first */
        int8_t *stage = (int8_t *)p->scratch;
        int32_t n = 0, c;
        for (ky = 0; ky < p->k_h; ++ky) {
            const int32_t iy = y0 + ky * p->dil_h;
            for (kx = 0; kx < p->k_w; ++kx) {
                const int32_t ix = x0 + kx * p->dil_w;
                if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                    for (c = 0; c < p->in_c; ++c) stage[n + c] = zp;
                } else {
                    const int8_t *s = in_b + (iy * p->in_w + ix) * p->in_c;
                    for (c = 0; c < p->in_c; ++c) stage[n + c] = s[c];
                }
                n += p->in_c;
            }
        }
        td_col_put(cols, q, 0, stage, n);
    }
}

#if TD_CONV_PAIRS && !TD_CONV_OWN_PIXELS
/* The sparse kernels' driver: the gather of td_conv2d_1x1_s8 where the build chose it (its
 * column needs no staging area), else the im2col gather; then td_conv_columns. */
static inline void td_conv_sparse_pixels(const td_conv_params_t *p, const int8_t *in,
                                         int8_t *out) {
    const int32_t k4w = (p->k_h * p->k_w * p->in_c + 3) / 4;
    if (p->k_h == 1 && p->k_w == 1 && p->pad_h == 0 && p->pad_w == 0
            && (p->out_h - 1) * p->stride_h < p->in_h && (p->out_w - 1) * p->stride_w < p->in_w) {
        td_conv_pixels(p, in, (int16_t *)p->scratch, k4w, out, td_gather_1x1);
    } else {
        /* scratch: [int8 staging, k4 bytes][int16 columns of two pixels] */
        td_conv_pixels(p, in, (int16_t *)((int8_t *)p->scratch + k4w * 4), k4w, out, td_im2col);
    }
}
#endif

#endif
