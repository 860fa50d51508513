/* FULLY_CONNECTED with sparse weights (compiler/encode_sparse.py, td_sparse.h): per row
 * only the non-zero weights and their 4-bit column gaps; acc0 and rq as for
 * td_fully_connected_rows4_s8. The zero weights add nothing to the reference's sums, so
 * the integer sums and the bytes equal TFLM's. */
#include "td_kernels.h"
#include "td_sparse.h"

#if TD_USE_SIMD
/* Four entries: their inputs gathered by absolute column (one UXTAB and one LDRSB each),
 * paired as SXTB16 pairs the values (v0, v2) and (v1, v3), two SMLAD. lo, hi: the entries'
 * gaps as TD_GAPS_LO/HI give them, their bytes k0 and k1 (literals). */
#define TD_FC_SPARSE4(vw, lo, hi, k0, k1, x, pos, a)                                            \
    do {                                                                                 \
        uint32_t x0_, x1_, x2_, x3_;                                                      \
        TD_ADD_BYTE(pos, lo, k0);                                                             \
        x0_ = (uint32_t)x[pos];                                                                    \
        TD_ADD_BYTE(pos, hi, k0);                                                             \
        x1_ = (uint32_t)x[pos];                                                                    \
        TD_ADD_BYTE(pos, lo, k1);                                                      \
        x2_ = (uint32_t)x[pos];                                                                    \
        TD_ADD_BYTE(pos, hi, k1);                                                      \
        x3_ = (uint32_t)x[pos];                                                                    \
        a = td_smlad(td_sxtb16(vw), td_pkhbt(x0_, x2_), a);                             \
        a = td_smlad(td_sxtb16_hi(vw), td_pkhbt(x1_, x3_), a);                          \
    } while (0)
#endif

/* One row's sum over its n entries (n even); v and g move past the row. */
static inline __attribute__((always_inline)) int32_t td_fc_sparse_row(
        int32_t a, int32_t n, const int8_t **vp, const uint8_t **gp, const int8_t *x) {
    const int8_t *v = *vp;
    const uint8_t *g = *gp;
    const int8_t *const vend = v + n;
    uint32_t pos = 0;
#if TD_USE_SIMD
    /* an odd pair first, then an odd group of four, then eight entries per pass */
    if (n & 2) {
        const uint32_t gb = g[0];
        pos += gb & 0xFu;
        a += v[0] * x[pos];
        pos += gb >> 4;
        a += v[1] * x[pos];
        v += 2;
        g += 1;
    }
    if (n & 4) {
        const uint32_t gw = td_read_u16(g);
        const uint32_t lo = TD_GAPS_LO(gw), hi = TD_GAPS_HI(gw);
        TD_FC_SPARSE4(td_read_u32(v), lo, hi, 0, 1, x, pos, a);
        v += 4;
        g += 2;
    }
    while (v < vend) {
        const uint32_t gw = td_read_u32(g);
        const uint32_t lo = TD_GAPS_LO(gw), hi = TD_GAPS_HI(gw);
        TD_FC_SPARSE4(td_read_u32(v), lo, hi, 0, 1, x, pos, a);
        TD_FC_SPARSE4(td_read_u32(v + 4), lo, hi, 2, 3, x, pos, a);
        v += 8;
        g += 4;
    }
#else
    while (v < vend) {
        const uint32_t gb = *g++;
        pos += gb & 0xFu;
        a += v[0] * x[pos];
        pos += gb >> 4;
        a += v[1] * x[pos];
        v += 2;
    }
#endif
    *vp = v;
    *gp = g;
    return a;
}

/* wide: 16-bit counts (a constant at each call site) */
static inline __attribute__((always_inline)) void td_fc_sparse_k(
        const td_fc_params_t *p, const int8_t *in, int8_t *out, int32_t wide) {
    /* locals: the int8 stores below may alias anything, so struct fields would be reloaded */
    const int32_t out_n = p->out_n, depth = p->in_depth, batches = p->batches;
    const int32_t step = p->per_channel ? 1 : 0, lo = p->act_min, hi = p->act_max;
    const int32_t *const acc0 = p->acc0;
    const td_rq_t *const rq = p->rq;
    const int8_t *const blob = p->weights;
    int32_t b, o;
    for (b = 0; b < batches; ++b) {
        const int8_t *x = in + b * depth;
        int8_t *dst = out + b * out_n;
        td_sparse_t s = td_sparse_open(blob, out_n, wide);
        for (o = 0; o < out_n; ++o) {
            const int32_t n = td_sparse_row(&s, wide);
            const int32_t a = td_fc_sparse_row(acc0[o], n, &s.v, &s.g, x);
            dst[o] = (int8_t)td_clamp_i32(td_rq_apply(a, &rq[o * step]), lo, hi);
        }
    }
}

/* the hot loop is written in the order it should run (td_simd.h) */
TD_NO_SCHED void td_fully_connected_sparse_s8(const td_fc_params_t *p, const int8_t *in,
                                              int8_t *out);

void td_fully_connected_sparse_s8(const td_fc_params_t *p, const int8_t *in, int8_t *out) {
    if (td_sparse_wide(p->weights)) {
        td_fc_sparse_k(p, in, out, 1);
    } else {
        td_fc_sparse_k(p, in, out, 0);
    }
}
