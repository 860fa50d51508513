/* FULLY_CONNECTED with palette weights (td_kernels.h): each row's int8 weights are looked
 * up from its value table by packed 4- or 2-bit indices as they are multiplied, two rows
 * per pass over the input, which is first widened to an int16 column in scratch (the DSP
 * path multiplies pairs with SMLAD). acc0 and td_rq_t as in td_fully_connected_rows4_s8;
 * the looked-up values are the int8 weights, so the integer sums are the reference's. */
#include "td_palette.h"

static inline int8_t td_fcp_out(int32_t acc, const td_rq_t *q, int32_t lo, int32_t hi) {
    return (int8_t)td_clamp_i32(td_rq_apply(acc, q), lo, hi);
}

/* One index word of one row into acc: 32 / bits inputs from x. */
static inline __attribute__((always_inline)) int32_t td_fcp_word(
        const int8_t *t, uint32_t word, const int16_t *x, int32_t acc, const int bits) {
    int s;
#if TD_USE_SIMD
    TD_PAL_UNROLL
    for (s = 0; s < 32; s += 2 * bits) {
        acc = td_smlad(td_pal_pair(t, word, s, bits), td_load_a32(x), acc);
        x += 2;
    }
#else
    const uint32_t m = (1u << bits) - 1u;
    TD_PAL_UNROLL
    for (s = 0; s < 32; s += bits) acc += t[(word >> s) & m] * *x++;
#endif
    return acc;
}

/* Two rows' index words against one column word pair: the column is read once. */
static inline __attribute__((always_inline)) void td_fcp_word2(
        const int8_t *ta, const int8_t *tb, uint32_t wa, uint32_t wb, const int16_t *x,
        int32_t *a, int32_t *b, const int bits) {
    int s;
#if TD_USE_SIMD
    TD_PAL_UNROLL
    for (s = 0; s < 32; s += 2 * bits) {
        const uint32_t xv = td_load_a32(x);
        *a = td_smlad(td_pal_pair(ta, wa, s, bits), xv, *a);
        *b = td_smlad(td_pal_pair(tb, wb, s, bits), xv, *b);
        x += 2;
    }
#else
    const uint32_t m = (1u << bits) - 1u;
    TD_PAL_UNROLL
    for (s = 0; s < 32; s += bits) {
        const int32_t xj = *x++;
        *a += ta[(wa >> s) & m] * xj;
        *b += tb[(wb >> s) & m] * xj;
    }
#endif
}

#if TD_USE_SIMD
/* Two rows' index words by pair tables: one lookup per two weights. */
static inline __attribute__((always_inline)) void td_fcp_pairs2(
        const uint32_t *pa, const uint32_t *pb, uint32_t wa, uint32_t wb, const int16_t *x,
        int32_t *a, int32_t *b, const int bits) {
    const uint32_t m = (1u << (2 * bits)) - 1u;
    int s;
    TD_PAL_UNROLL
    for (s = 0; s < 32; s += 2 * bits) {
        const uint32_t xv = td_load_a32(x);
        *a = td_smlad(pa[(wa >> s) & m], xv, *a);
        *b = td_smlad(pb[(wb >> s) & m], xv, *b);
        x += 2;
    }
}

/* Table t expanded: entry e is the int16 pair (t[e & mask], t[e >> bits]). */
static void td_fcp_expand(const int8_t *t, uint32_t *pt, int bits) {
    const int32_t n = 1 << bits;
    int32_t hi, lo;
    for (hi = 0; hi < n; ++hi) {
        const uint32_t h = (uint32_t)(int32_t)t[hi] << 16;
        for (lo = 0; lo < n; ++lo) *pt++ = h | ((uint32_t)(int32_t)t[lo] & 0xFFFFu);
    }
}
#endif

static inline __attribute__((always_inline)) void td_fcp(
        const td_fc_palette_params_t *p, const int8_t *in, int8_t *out, const int bits) {
    const int32_t depth = p->in_depth, out_n = p->out_n, per = 32 / bits;
    const int32_t nw = td_pal_row_words(depth, bits);
    const int32_t lo = p->act_min, hi = p->act_max, step = p->per_channel ? 1 : 0;
    const int32_t *acc0 = p->acc0;
    const td_rq_t *rq = p->rq;
    const int8_t *tables = p->tables, *table_of = p->table_of;
    const int32_t tstep = p->table_step;
    int16_t *col = (int16_t *)p->scratch;
#if TD_USE_SIMD
    uint32_t *const pairs = (uint32_t *)(col + nw * per);
    const int32_t entries = 1 << (2 * bits);
#endif
    int32_t b, j;
#if TD_USE_SIMD
    for (j = 0; j < p->pair_tables; ++j) {                /* once for all batches */
        td_fcp_expand(tables + (j << bits), pairs + j * entries, bits);
    }
#endif
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x0 = in + b * depth;
        int8_t *dst = out + b * out_n;
        const int8_t *idx = p->indices;
        int32_t o = 0, g;
        for (j = 0; j < depth; ++j) col[j] = x0[j];
        for (; j < nw * per; ++j) col[j] = 0;
#if TD_USE_SIMD
        if (p->pair_tables) {
            for (; o + 2 <= out_n; o += 2) {
                const uint32_t *pa = pairs + td_pal_tnum(table_of, o) * entries;
                const uint32_t *pb = pairs + td_pal_tnum(table_of, o + 1) * entries;
                const int8_t *ib = idx + nw * 4;
                int32_t a = acc0[o], c = acc0[o + 1];
                const int16_t *x = col;
                for (g = 0; g < nw; ++g, x += per) {
                    td_fcp_pairs2(pa, pb, td_load_a32(idx + 4 * g), td_load_a32(ib + 4 * g),
                                  x, &a, &c, bits);
                }
                idx = ib + nw * 4;
                dst[o] = td_fcp_out(a, &rq[o * step], lo, hi);
                dst[o + 1] = td_fcp_out(c, &rq[(o + 1) * step], lo, hi);
            }
        }
#endif
        for (; o + 2 <= out_n; o += 2) {
            const int8_t *ta = td_pal_table(tables, table_of, tstep, o, bits);
            const int8_t *tb = td_pal_table(tables, table_of, tstep, o + 1, bits);
            const int8_t *ib = idx + nw * 4;
            int32_t a = acc0[o], c = acc0[o + 1];
            const int16_t *x = col;
            for (g = 0; g < nw; ++g, x += per) {
                td_fcp_word2(ta, tb, td_load_a32(idx + 4 * g), td_load_a32(ib + 4 * g), x,
                             &a, &c, bits);
            }
            idx = ib + nw * 4;
            dst[o] = td_fcp_out(a, &rq[o * step], lo, hi);
            dst[o + 1] = td_fcp_out(c, &rq[(o + 1) * step], lo, hi);
        }
        if (o < out_n) {
            const int8_t *ta = td_pal_table(tables, table_of, tstep, o, bits);
            int32_t a = acc0[o];
            for (g = 0; g < nw; ++g) a = td_fcp_word(ta, td_load_a32(idx + 4 * g), col + g * per,
                                                      a, bits);
            dst[o] = td_fcp_out(a, &rq[o * step], lo, hi);
        }
    }
}

static TD_NO_SCHED void td_fcp4(const td_fc_palette_params_t *p, const int8_t *in,
                                 int8_t *out) {
    td_fcp(p, in, out, 4);
}

static TD_NO_SCHED void td_fcp2(const td_fc_palette_params_t *p, const int8_t *in,
                                 int8_t *out) {
    td_fcp(p, in, out, 2);
}

void td_fully_connected_palette_s8(const td_fc_palette_params_t *p, const int8_t *in,
                                   int8_t *out) {
    if (p->bits == 4) {
        td_fcp4(p, in, out);
    } else {
        td_fcp2(p, in, out);
    }
}
