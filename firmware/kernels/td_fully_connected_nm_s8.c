/* FULLY_CONNECTED with 2:4 weights (compiler/encode_nm.py): per row and pair of 4-input
 * groups a, b one value word [v0a v1a v0b v1b] and one 6-bit code ca + 6 * cb naming each
 * group's two positions (the codes a little-endian bit stream after the values); rows in
 * blocks of four (value words and codes interleaved row by row per pair: a pair's four
 * codes in 3 bytes), rows left over one by one. acc0 and rq as for
 * td_fully_connected_rows4_s8: the zero weights add nothing to the reference's sums, so
 * the bytes equal TFLM's.
 * DSP path: per input vector, a table in scratch holds for every pair of groups its 36
 * position combinations as two int16-pair words (x[a, p0a], x[b, p0b]) and
 * (x[a, p1a], x[b, p1b]); a row's pair then costs a code field, one LDRD of the table,
 * SXTB16 of the value word (halves v0a, v0b and v1a, v1b) and two SMLAD. The scalar path's
 * table (same size) holds the four inputs of each combination as int16. */
#include "td_kernels.h"
#include "td_nm.h"
#include "td_simd.h"

/* positions of each code's two groups: p0a | p0b << 2 | p1a << 4 | p1b << 6 (PAIRS of
 * encode_nm.py, code ca + 6 * cb) */
static const uint8_t td_nm_fc_pos[36] = {
    0x50, 0x60, 0x70, 0x61, 0x71, 0x72, 0x90, 0xA0, 0xB0, 0xA1, 0xB1, 0xB2,
    0xD0, 0xE0, 0xF0, 0xE1, 0xF1, 0xF2, 0x94, 0xA4, 0xB4, 0xA5, 0xB5, 0xB6,
    0xD4, 0xE4, 0xF4, 0xE5, 0xF5, 0xF6, 0xD8, 0xE8, 0xF8, 0xE9, 0xF9, 0xFA};

static inline int8_t td_fc_out(int32_t acc, const td_rq_t *q, int32_t lo, int32_t hi) {
    return (int8_t)td_clamp_i32(td_rq_apply(acc, q), lo, hi);
}

/* The 6-bit code at bit `bit` of the stream (two bytes read: the stream is padded). */
static inline uint32_t td_nm_code(const uint8_t *codes, uint32_t bit) {
    const uint8_t *b = codes + (bit >> 3);
    return ((b[0] | (uint32_t)b[1] << 8) >> (bit & 7u)) & 63u;
}

/* One row left over after the blocks: its sum over `pairs` pairs read at v (a word each)
 * and at code bit `bit` (6 bits each): the whole pairs from x, a last partial one from xt
 * (its inputs, zero-padded to 8). */
static int32_t td_fc_nm_row(int32_t a, const int8_t *v, const uint8_t *codes, uint32_t bit,
                            const int8_t *x, const int8_t *xt, int32_t pairs, int32_t whole) {
    int32_t t;
    for (t = 0; t < pairs; ++t, v += 4, bit += 6) {
        const int8_t *xa = t < whole ? x + 8 * t : xt;
        const uint32_t pos = td_nm_fc_pos[td_nm_code(codes, bit)];
        a += v[0] * xa[pos & 3u] + v[1] * xa[(pos >> 4) & 3u]
             + v[2] * xa[4 + ((pos >> 2) & 3u)] + v[3] * xa[4 + (pos >> 6)];
    }
    return a;
}

#if TD_USE_SIMD
/* The six entries of one cb (positions pb0 < pb1 of group b, inputs h0, h1 in the high
 * halves) for ca = 0..5 (PAIRS order), inputs a0..a3 of group a in the low halves. */
static inline uint32_t *td_fc_nm_row6(uint32_t *tab, uint32_t a0, uint32_t a1, uint32_t a2,
                                      uint32_t a3, uint32_t h0, uint32_t h1) {
    const uint32_t l0 = a0 | h0, l1 = a1 | h0, l2 = a2 | h0;
    const uint32_t u1 = a1 | h1, u2 = a2 | h1, u3 = a3 | h1;
    tab[0] = l0;
    tab[1] = u1;
    tab[2] = l0;
    tab[3] = u2;
    tab[4] = l0;
    tab[5] = u3;
    tab[6] = l1;
    tab[7] = u2;
    tab[8] = l1;
    tab[9] = u3;
    tab[10] = l2;
    tab[11] = u3;
    return tab + 12;
}

/* The pair table of x: per pair of groups 36 entries of two words, entry ca + 6 * cb. */
static void td_fc_nm_table(uint32_t *tab, const int8_t *x, const int8_t *xt, int32_t pairs,
                           int32_t whole) {
    int32_t t;
    for (t = 0; t < pairs; ++t) {
        const int8_t *xa = t < whole ? x + 8 * t : xt;
        const uint32_t a0 = (uint16_t)xa[0], a1 = (uint16_t)xa[1], a2 = (uint16_t)xa[2];
        const uint32_t a3 = (uint16_t)xa[3];
        const uint32_t b0 = (uint32_t)xa[4] << 16, b1 = (uint32_t)xa[5] << 16;
        const uint32_t b2 = (uint32_t)xa[6] << 16, b3 = (uint32_t)xa[7] << 16;
        tab = td_fc_nm_row6(tab, a0, a1, a2, a3, b0, b1);
        tab = td_fc_nm_row6(tab, a0, a1, a2, a3, b0, b2);
        tab = td_fc_nm_row6(tab, a0, a1, a2, a3, b0, b3);
        tab = td_fc_nm_row6(tab, a0, a1, a2, a3, b1, b2);
        tab = td_fc_nm_row6(tab, a0, a1, a2, a3, b1, b3);
        tab = td_fc_nm_row6(tab, a0, a1, a2, a3, b2, b3);
    }
}

/* One value word's pair against its table entry e + off / 4 (off a literal: the next pair's
 * entries are 288 bytes on). */
#define TD_NM_PAIR(vw, e, off, a)                                                        \
    do {                                                                                 \
        uint32_t e0_, e1_;                                                               \
        const uint32_t *ep_ = (e);                                                       \
        TD_NM_LDRD(e0_, e1_, ep_, off);                                                  \
        a = td_smlad(td_sxtb16(vw), e0_, a);                                             \
        a = td_smlad(td_sxtb16_hi(vw), e1_, a);                                          \
    } while (0)

/* One pair of the four rows: their codes (the low 24 bits of cw) and value words at vp
 * (moved on), the pair's table at tab + off / 4. */
#define TD_NM_ROWS4(cw, vp, tab, off, a0, a1, a2, a3)                                    \
    do {                                                                                 \
        uint32_t w0_, w1_;                                                               \
        TD_LDRD_INC(w0_, w1_, vp);                                                       \
        TD_NM_PAIR(w0_, (tab) + 2 * ((cw) & 63u), off, a0);                              \
        TD_NM_PAIR(w1_, (tab) + 2 * (((cw) >> 6) & 63u), off, a1);                       \
        TD_LDRD_INC(w0_, w1_, vp);                                                       \
        TD_NM_PAIR(w0_, (tab) + 2 * (((cw) >> 12) & 63u), off, a2);                      \
        TD_NM_PAIR(w1_, (tab) + 2 * (((cw) >> 18) & 63u), off, a3);                      \
    } while (0)

/* Four interleaved rows from their accumulator starts acc to their outputs dst (rq: their
 * first td_rq_t, step apart): per pair their four codes (3 bytes, read as a word) and four
 * value words; an odd pair first, then two pairs per pass. */
static inline __attribute__((always_inline)) void td_fc_nm_rows4(
        const int32_t *acc, const int8_t *v, const uint8_t *c, const uint32_t *tab,
        int32_t pairs, const td_rq_t *rq, int32_t step, int32_t lo, int32_t hi, int8_t *dst) {
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const uint32_t *const tend = tab + 72 * pairs;
    const void *vp = v;
    if (pairs & 1) {
        const uint32_t cw = td_read_u32(c);
        TD_NM_ROWS4(cw, vp, tab, 0, a0, a1, a2, a3);
        tab += 72;
        c += 3;
    }
    for (; tab < tend; tab += 144, c += 6) {
        uint32_t cw = td_read_u32(c);
        TD_NM_ROWS4(cw, vp, tab, 0, a0, a1, a2, a3);
        cw = td_read_u32(c + 3);
        TD_NM_ROWS4(cw, vp, tab, 288, a0, a1, a2, a3);
    }
    dst[0] = td_fc_out(a0, rq, lo, hi);
    dst[1] = td_fc_out(a1, rq + step, lo, hi);
    dst[2] = td_fc_out(a2, rq + 2 * step, lo, hi);
    dst[3] = td_fc_out(a3, rq + 3 * step, lo, hi);
}
#else
/* The scalar path's table of x: per pair of groups 36 entries (ca + 6 * cb) of four int16
 * inputs in the order of a value word, x[a, p0a], x[a, p1a], x[b, p0b], x[b, p1b]: one
 * word per ca and one per cb, so a row's pair needs one address and four LDRSH. */
static void td_fc_nm_table(uint32_t *tab, const int8_t *x, const int8_t *xt, int32_t pairs,
                           int32_t whole) {
    int32_t t, ca, cb;
    for (t = 0; t < pairs; ++t) {
        const int8_t *xa = t < whole ? x + 8 * t : xt;
        uint32_t wa[6];
        for (ca = 0; ca < 6; ++ca) {
            const uint32_t pos = td_nm_fc_pos[ca];
            wa[ca] = td_pack16(xa[pos & 3u], xa[(pos >> 4) & 3u]);
        }
        for (cb = 0; cb < 6; ++cb) {
            const uint32_t pos = td_nm_fc_pos[6 * cb];
            const uint32_t wb = td_pack16(xa[4 + ((pos >> 2) & 3u)], xa[4 + (pos >> 6)]);
            for (ca = 0; ca < 6; ++ca, tab += 2) {
                tab[0] = wa[ca];
                tab[1] = wb;
            }
        }
    }
}

/* One row's pair: value bytes v[0..3] against the table entry of code k. */
#define TD_NM_ROW_PAIR(v, tab, k, a)                                                     \
    do {                                                                                 \
        const int16_t *e_ = (const int16_t *)(const void *)((tab) + 2 * (k));            \
        a += (v)[0] * e_[0];                                                             \
        a += (v)[1] * e_[1];                                                             \
        a += (v)[2] * e_[2];                                                             \
        a += (v)[3] * e_[3];                                                             \
    } while (0)

/* Four interleaved rows (as the DSP path's td_fc_nm_rows4), one pair per pass. */
static void td_fc_nm_rows4(const int32_t *acc, const int8_t *v, const uint8_t *c,
                           const uint32_t *tab, int32_t pairs, const td_rq_t *rq, int32_t step,
                           int32_t lo, int32_t hi, int8_t *dst) {
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const uint32_t *const tend = tab + 72 * pairs;
    for (; tab < tend; tab += 72, c += 3, v += 16) {
        const uint32_t cw = td_read_u32(c);
        TD_NM_ROW_PAIR(v, tab, cw & 63u, a0);
        TD_NM_ROW_PAIR(v + 4, tab, (cw >> 6) & 63u, a1);
        TD_NM_ROW_PAIR(v + 8, tab, (cw >> 12) & 63u, a2);
        TD_NM_ROW_PAIR(v + 12, tab, (cw >> 18) & 63u, a3);
    }
    dst[0] = td_fc_out(a0, rq, lo, hi);
    dst[1] = td_fc_out(a1, rq + step, lo, hi);
    dst[2] = td_fc_out(a2, rq + 2 * step, lo, hi);
    dst[3] = td_fc_out(a3, rq + 3 * step, lo, hi);
}
#endif

/* the hot loop is written in the order it should run (td_simd.h) */
TD_NO_SCHED void td_fully_connected_nm_s8(const td_fc_params_t *p, const int8_t *in,
                                          int8_t *out);

void td_fully_connected_nm_s8(const td_fc_params_t *p, const int8_t *in, int8_t *out) {
    const int32_t depth = p->in_depth, out_n = p->out_n, pairs = (depth + 7) / 8;
    const int32_t whole = depth / 8, lo = p->act_min, hi = p->act_max;
    const int32_t step = p->per_channel ? 1 : 0, blocks = out_n / 4 * 4;
    const int32_t *const acc0 = p->acc0;
    const td_rq_t *const rq = p->rq;
    const int8_t *const vals = p->weights;
    const uint8_t *const codes = (const uint8_t *)vals + 4 * pairs * out_n;
    int32_t b, o, r;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = in + b * depth;
        int8_t *dst = out + b * out_n;
        int8_t xt[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (r = 8 * whole; r < depth; ++r) xt[r - 8 * whole] = x[r];
        if (blocks > 0) td_fc_nm_table((uint32_t *)p->scratch, x, xt, pairs, whole);
        for (o = 0; o < blocks; o += 4) {
            td_fc_nm_rows4(acc0 + o, vals + 4 * pairs * o, codes + 3 * pairs * (o / 4),
                           (const uint32_t *)p->scratch, pairs, &rq[o * step], step, lo, hi,
                           dst + o);
        }
        for (; o < out_n; ++o) {
            const int32_t a = td_fc_nm_row(acc0[o], vals + 4 * pairs * o, codes,
                                           (uint32_t)(6 * pairs * o), x, xt, pairs, whole);
            dst[o] = td_fc_out(a, &rq[o * step], lo, hi);
        }
    }
}
