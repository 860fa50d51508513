/* FULLY_CONNECTED with sparse-palette weights (compiler/encode_sparse_palette.py,
 * td_sparse.h): per row only the non-zero weights, one byte each (4-bit column gap, 4-bit
 * index into the row's 16-value table); acc0 and rq as for td_fully_connected_rows4_s8.
 * The decoded values are the int8 weights and the zero weights add nothing, so the integer
 * sums and the bytes equal TFLM's. */
#include "td_kernels.h"
#include "td_sparse.h"

/* One entry: column gap, then the value looked up and multiplied (UXTAB, UBFX, two LDRSB
 * and an MLA on DSP cores). */
#define TD_FCSP_ENTRY(w, gaps, k, tab, x, pos, a)                                        \
    do {                                                                                 \
        TD_ADD_BYTE(pos, gaps, k);                                                       \
        a += (int32_t)(tab)[((w) >> (8 * (k) + 4)) & 0xFu] * (x)[pos];                   \
    } while (0)

/* One row's sum over its n entries (n even); e moves past the row. */
static inline __attribute__((always_inline)) int32_t td_fcsp_row(
        int32_t a, int32_t n, const uint8_t **ep, const int8_t *tab, const int8_t *x) {
    const uint8_t *e = *ep;
    const uint8_t *const eend = e + n;
    uint32_t pos = 0;
    if (n & 2) {
        const uint32_t w = td_read_u16(e), gaps = w & 0x0F0Fu;
        TD_FCSP_ENTRY(w, gaps, 0, tab, x, pos, a);
        TD_FCSP_ENTRY(w, gaps, 1, tab, x, pos, a);
        e += 2;
    }
    while (e < eend) {
        const uint32_t w = td_read_u32(e), gaps = w & 0x0F0F0F0Fu;
        TD_FCSP_ENTRY(w, gaps, 0, tab, x, pos, a);
        TD_FCSP_ENTRY(w, gaps, 1, tab, x, pos, a);
        TD_FCSP_ENTRY(w, gaps, 2, tab, x, pos, a);
        TD_FCSP_ENTRY(w, gaps, 3, tab, x, pos, a);
        e += 4;
    }
    *ep = e;
    return a;
}

/* wide: 16-bit counts (a constant at each call site) */
static inline __attribute__((always_inline)) void td_fcsp_k(
        const td_fc_params_t *p, const int8_t *in, int8_t *out, int32_t wide) {
    /* locals: the int8 stores below may alias anything, so struct fields would be reloaded */
    const int32_t out_n = p->out_n, depth = p->in_depth, batches = p->batches;
    const int32_t step = p->per_channel ? 1 : 0, lo = p->act_min, hi = p->act_max;
    const int32_t *const acc0 = p->acc0;
    const td_rq_t *const rq = p->rq;
    int32_t b, o;
    for (b = 0; b < batches; ++b) {
        const int8_t *x = in + b * depth;
        int8_t *dst = out + b * out_n;
        td_spal_t s = td_spal_open(p->weights, out_n, wide);
        for (o = 0; o < out_n; ++o) {
            const int32_t n = td_sparse_row_count(&s.n, wide);
            const int32_t a = td_fcsp_row(acc0[o], n, &s.e, td_spal_table(&s, o), x);
            dst[o] = (int8_t)td_clamp_i32(td_rq_apply(a, &rq[o * step]), lo, hi);
        }
    }
}

/* the hot loop is written in the order it should run (td_simd.h) */
TD_NO_SCHED void td_fully_connected_sparse_palette_s8(const td_fc_params_t *p,
                                                      const int8_t *in, int8_t *out);

void td_fully_connected_sparse_palette_s8(const td_fc_params_t *p, const int8_t *in,
                                          int8_t *out) {
    if (td_sparse_wide(p->weights)) {
        td_fcsp_k(p, in, out, 1);
    } else {
        td_fcsp_k(p, in, out, 0);
    }
}
