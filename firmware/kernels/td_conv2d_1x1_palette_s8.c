/* CONV_2D 1x1 (no padding, no groups, any stride) with palette weights (td_kernels.h):
 * `tile` output channels at a time are decoded from their value tables into scratch, in
 * the dense layout of td_conv_core.h, and then every pixel goes through the dense matrix
 * core for those channels; the decoding is paid once per weight per call, the pixels'
 * columns once per tile. The decoded values are the int8 weights: bit-exact with TFLM
 * ConvPerChannel as td_conv2d_1x1_s8. */
#include "td_conv_core.h"
#include "td_palette.h"

/* Row c's k4w weight words from its indices into dst, one word every `stride` bytes. */
static inline __attribute__((always_inline)) void td_c1p_decode(
        const int8_t *t, const int8_t *idx, int32_t k4w, int8_t *dst, int32_t stride,
        const int bits) {
    const uint8_t *tu = (const uint8_t *)t;
    const uint32_t m = (1u << bits) - 1u;
    const int per = 32 / (4 * bits);        /* weight words per index word */
    int32_t g = 0;
    while (g < k4w) {
        const uint32_t word = td_load_a32(idx);
        int k;
        idx += 4;
        TD_PAL_UNROLL
        for (k = 0; k < per; ++k) {
            const int s = 4 * bits * k;
            if (g + k < k4w) {
                td_store_a32(dst, (uint32_t)tu[(word >> s) & m]
                                  | (uint32_t)tu[(word >> (s + bits)) & m] << 8
                                  | (uint32_t)tu[(word >> (s + 2 * bits)) & m] << 16
                                  | (uint32_t)tu[(word >> (s + 3 * bits)) & m] << 24);
                dst += stride;
            }
        }
        g += per;
    }
}

/* Channels oc0 .. oc0 + n - 1 into the tile: pairs word-interleaved, an odd last alone. */
static inline __attribute__((always_inline)) void td_c1p_tile(
        const td_conv_palette_params_t *p, int32_t oc0, int32_t n, int32_t k4w, int8_t *tile,
        const int bits) {
    const int32_t nw = td_pal_row_words(4 * k4w, bits);
    int32_t r;
    for (r = 0; r < n; ++r) {
        const int32_t c = oc0 + r;
        const int8_t *t = td_pal_table(p->tables, p->table_of, p->table_step, c, bits);
        const int8_t *idx = p->indices + c * nw * 4;
        if ((r | 1) < n) {
            td_c1p_decode(t, idx, k4w, tile + (r >> 1) * 8 * k4w + (r & 1) * 4, 8, bits);
        } else {
            td_c1p_decode(t, idx, k4w, tile + (r >> 1) * 8 * k4w, 4, bits);
        }
    }
}

static inline __attribute__((always_inline)) void td_c1p(
        const td_conv_palette_params_t *p, const int8_t *in, int8_t *out, const int bits) {
    const int32_t k4w = (p->in_c + 3) / 4, out_c = p->out_c;
    const int32_t npix = p->batches * p->out_h * p->out_w;
    int8_t *tile = (int8_t *)p->scratch;
    int16_t *cols = (int16_t *)(tile + p->tile * 4 * k4w);
    td_conv_params_t c;
    int32_t oc0;
    memset(&c, 0, sizeof c);
    c.out_c = p->tile;
    c.act_min = p->act_min;
    c.act_max = p->act_max;
    c.weights = tile;
    for (oc0 = 0; oc0 < out_c; oc0 += p->tile) {
        const int32_t n = out_c - oc0 < p->tile ? out_c - oc0 : p->tile;
        int32_t i, y = 0, x = 0, b = 0;
        td_c1p_tile(p, oc0, n, k4w, tile, bits);
        c.out_c = n;
        c.acc0 = p->acc0 + oc0;
        c.rq = p->rq + oc0;
        for (i = 0; i < npix; i += 2) {
            const int32_t np = npix - i < 2 ? 1 : 2;
            int32_t q;
            for (q = 0; q < np; ++q) {
                td_col_put(cols, q, 0,
                           in + ((b * p->in_h + y * p->stride_h) * p->in_w + x * p->stride_w)
                               * p->in_c, p->in_c);
                if (++x == p->out_w) {
                    x = 0;
                    if (++y == p->out_h) {
                        y = 0;
                        ++b;
                    }
                }
            }
            td_conv_columns(&c, cols, k4w, out + i * out_c + oc0,
                            out + (i + np - 1) * out_c + oc0);
        }
    }
}

void td_conv2d_1x1_palette_s8(const td_conv_palette_params_t *p, const int8_t *in,
                              int8_t *out) {
    if (p->bits == 4) {
        td_c1p(p, in, out, 4);
    } else {
        td_c1p(p, in, out, 2);
    }
}
