/* DEPTHWISE_CONV_2D fast path: 3x3 filter, depth multiplier 1, no dilation, any stride
 * and padding. Bit-exact with TFLM's DepthwiseConvPerChannel: only the order of exact
 * integer sums differs.
 *
 * Layout, prepared at build time (compiler/lower/fastpath.py, depthwise_fast):
 *   weights  int8, channels in groups of four: for group g and tap t = ky*3+kx the four
 *            bytes w[t][4g..4g+3] (36 bytes per group), then the in_c % 4 tail channels
 *            as [t][rem]; same size as the .tflite weights.
 *   acc0     per group of four channels 12 words: the accumulator starts (bias +
 *            in_offset * sum of the channel's nine weights), then the four channels'
 *            td_rq_t (requantization incl. the output zero point, td_rq_apply); then per
 *            tail channel 3 words: its start, its td_rq_t. One pointer walks it.
 *   rq       unused (NULL): it is inside acc0.
 *   scratch  [groups * 72 bytes] DSP path only: each group's weights as int16, filled on
 *            entry: for the tap pairs (0,1), (2,3), (4,5), (6,7) one word per channel,
 *            (w[t][ch], w[t+1][ch]), the SMLAD operand; for tap 8 the words SXTB16(w) =
 *            (c0, c2) and SXTB16 ROR 8 (w) = (c1, c3); 18 words, read by LDRD;
 *            then [in_c rounded up to 4 bytes]: the input zero point, filled on entry.
 *
 * The input offset is folded into acc0 for all nine taps, so every tap multiplies raw
 * int8 inputs. Interior pixels (window inside the input) run a fully unrolled loop over
 * four channels at a time: per pair of taps two input words, PKHBT/PKHTB + SXTB16 into one
 * (tap a, tap b) int16 pair per channel, four SMLADs (14 instructions per 8 MACs). Border pixels run the same loop over a table of nine tap
 * pointers where taps outside the input point at the zero-point row: (zp + in_offset) * w
 * = 0, exactly what the reference's skipped tap adds. */
#include "td_kernels.h"
#include "td_fixedpoint.h"
#include "td_simd.h"
#include "td_simd_s8x4.h"

#if defined(__GNUC__) && !defined(__clang__)
/* GCC's pre-allocation scheduling hoists all 18 weight loads of a group and then spills */
#pragma GCC optimize("no-schedule-insns")
#endif

#define TD_DW_GROUP_BYTES 36      /* int8 weights of one group of four channels */
#define TD_DW_QT_GROUP 12         /* acc0 words per group of four channels */
#define TD_DW_QT_TAIL 3           /* acc0 words per tail channel */

/* Tail channels (in_c % 4), one at a time; tp: the nine tap pointers at channel 0. */
static void dw_tail(const td_conv_params_t *p, const int8_t *const *tp, int8_t *dst) {
    const int32_t c4 = p->in_c & ~3, rem = p->in_c - c4;
    const int8_t *wt = p->weights + (p->in_c >> 2) * TD_DW_GROUP_BYTES;
    const int32_t *qt = p->acc0 + (p->in_c >> 2) * TD_DW_QT_GROUP;
    int32_t j, k;
    for (j = 0; j < rem; ++j, qt += TD_DW_QT_TAIL) {
        const int32_t c = c4 + j;
        int32_t acc = qt[0];
        for (k = 0; k < 9; ++k) acc += (int32_t)wt[k * rem + j] * tp[k][c];
        acc = td_rq_apply(acc, (const td_rq_t *)(qt + 1));
        dst[c] = (int8_t)td_clamp_i32(acc, p->act_min, p->act_max);
    }
}

#if TD_USE_SIMD

/* td_rq_apply saturated to int8. q: the channel's td_rq_t as words mult, w. */
static inline int32_t dw_rq(int32_t acc, const int32_t *q) {
    const uint64_t mw = td_load_w2(q);
    const int32_t w = (int32_t)(uint32_t)(mw >> 32);
    return td_ssat8(td_asr_w(td_rq_hi(acc, (int32_t)(uint32_t)mw, w >> 8), w));
}

/* four accumulators -> requantized, clamped int8 in one word store */
static inline void dw_store4(const int32_t *q, int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                             uint32_t lo4, uint32_t hi4, int clamp, int8_t *dst) {
    uint32_t v = td_pack_s8x4(dw_rq(a0, q), dw_rq(a1, q + 2), dw_rq(a2, q + 4), dw_rq(a3, q + 6));
    if (clamp) {
        v = td_max_s8x4(v, lo4);
        v = td_min_s8x4(v, hi4);
    }
    td_write_u32(dst, v);
}

/* Two taps of four channels (SMLAD): PKHBT of the two input words holds channels 0-1 of
 * both taps, PKHTB channels 2-3; SXTB16 (ROR 8) then gives per channel the int16 pair
 * (tap a, tap b) that meets its weight pair. wp: four words, channels 0..3, read by two
 * LDRD that advance it (GCC splits 64-bit loads into single LDRs that do not pipeline). */
#define TD_DW_PAIR(xa, xb, wp)                            \
    do {                                                  \
        const uint32_t va_ = td_read_u32(xa);             \
        const uint32_t vb_ = td_read_u32(xb);             \
        const uint32_t y_ = td_pkhbt16(va_, vb_);         \
        const uint32_t z_ = td_pkhtb16(vb_, va_);         \
        uint32_t w0_, w1_;                                \
        TD_LDRD_INC(w0_, w1_, wp);                        \
        a0 = td_smlad(td_sxtb16(y_), w0_, a0);            \
        a1 = td_smlad(td_sxtb16_hi(y_), w1_, a1);         \
        TD_LDRD_INC(w0_, w1_, wp);                        \
        a2 = td_smlad(td_sxtb16(z_), w0_, a2);            \
        a3 = td_smlad(td_sxtb16_hi(z_), w1_, a3);         \
    } while (0)
/* The ninth tap alone: SXTB16 gives channels (0, 2) and (1, 3), weights likewise. */
#define TD_DW_TAP(xp, wp)                                 \
    do {                                                  \
        const uint32_t v_ = td_read_u32(xp);              \
        uint32_t w0_, w1_;                                \
        uint32_t l_, h_;                                  \
        TD_LDRD_INC(w0_, w1_, wp);                        \
        l_ = td_sxtb16(v_);                               \
        h_ = td_sxtb16_hi(v_);                            \
        a0 = td_smlabb(l_, w0_, a0);                      \
        a2 = td_smlatt(l_, w0_, a2);                      \
        a1 = td_smlabb(h_, w1_, a1);                      \
        a3 = td_smlatt(h_, w1_, a3);                      \
    } while (0)
#define TD_DW_WSTEP 2             /* weight words per tap */
typedef uint32_t td_dw_w_t;
typedef uint32_t td_dw_clamp_t;
#define TD_DW_CLAMP(v) td_splat_s8x4(v)

#else /* scalar path: four channels at a time straight from the int8 weights */

static inline int8_t dw_out1(int32_t acc, const td_rq_t *q, int32_t lo, int32_t hi) {
    return (int8_t)td_clamp_i32(td_rq_apply(acc, q), lo, hi);
}

static inline void dw_store4(const int32_t *qw, int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                             int32_t lo, int32_t hi, int clamp, int8_t *dst) {
    const td_rq_t *q = (const td_rq_t *)qw;
    (void)clamp;
    dst[0] = dw_out1(a0, q, lo, hi);
    dst[1] = dw_out1(a1, q + 1, lo, hi);
    dst[2] = dw_out1(a2, q + 2, lo, hi);
    dst[3] = dw_out1(a3, q + 3, lo, hi);
}

#define TD_DW_TAP(xp, wp)                                 \
    do {                                                  \
        const int8_t *x_ = (xp);                          \
        a0 += (int32_t)x_[0] * (wp)[0];                   \
        a1 += (int32_t)x_[1] * (wp)[1];                   \
        a2 += (int32_t)x_[2] * (wp)[2];                   \
        a3 += (int32_t)x_[3] * (wp)[3];                   \
        (wp) += 4;                                        \
    } while (0)
#define TD_DW_PAIR(xa, xb, wp)                            \
    do {                                                  \
        TD_DW_TAP(xa, wp);                                \
        TD_DW_TAP(xb, wp);                                \
    } while (0)
#define TD_DW_WSTEP 4             /* weight bytes per tap */
typedef int8_t td_dw_w_t;
typedef int32_t td_dw_clamp_t;
#define TD_DW_CLAMP(v) (v)

#endif

#if defined(__GNUC__)
#define TD_DW_INLINE static inline __attribute__((always_inline))
#else
#define TD_DW_INLINE static inline
#endif

/* n pixels whose nine taps are all inside: x points at the first window's top-left input
 * pixel (channel 0), step: input bytes between windows, dst: the first output pixel.
 * clamp: 0 when the activation range is all of int8 (saturation is the clamp). */
TD_DW_INLINE void dw_interior(const td_conv_params_t *p, const td_dw_w_t *ws0, const int8_t *x,
                              int32_t n, int32_t step, td_dw_clamp_t lo, td_dw_clamp_t hi,
                              int clamp, int8_t *dst) {
    const int32_t c = p->in_c, c2 = 2 * c, rs = p->in_w * c, c4 = c & ~3;
    const td_dw_w_t *ws_end = ws0 + (c >> 2) * 9 * TD_DW_WSTEP;
    for (; n > 0; --n) {
        const td_dw_w_t *ws = ws0;
        const int32_t *qt = p->acc0;
        const int8_t *xg = x;
        int8_t *d = dst;
        while (ws != ws_end) {
            int32_t a0 = qt[0], a1 = qt[1], a2 = qt[2], a3 = qt[3];
            const int8_t *r = xg, *t, *u;
            /* one pointer per row, the taps as register offsets (TD_OPAQUE keeps GCC from
             * making nine induction variables out of them and spilling) */
            TD_DW_PAIR(r, r + c, ws);
            t = r + c;
            TD_OPAQUE(t);
            u = r + rs;
            TD_OPAQUE(u);
            TD_DW_PAIR(t + c, u, ws);
            TD_DW_PAIR(u + c, u + c2, ws);
            r = u + rs;
            TD_OPAQUE(r);
            TD_DW_PAIR(r, r + c, ws);
            t = r + c;
            TD_OPAQUE(t);
            TD_DW_TAP(t + c, ws);
            dw_store4(qt + 4, a0, a1, a2, a3, lo, hi, clamp, d);
            qt += TD_DW_QT_GROUP;
            xg += 4;
            d += 4;
        }
        if (c != c4) {
            const int8_t *tp[9];
            int32_t k;
            for (k = 0; k < 9; ++k) tp[k] = x + (k / 3) * rs + (k % 3) * c;
            dw_tail(p, tp, dst);
        }
        x += step;
        dst += c;
    }
}

/* Any pixel: tp holds the nine tap pointers (channel 0), the zero-point row for taps
 * outside the input. */
TD_DW_INLINE void dw_table(const td_conv_params_t *p, const td_dw_w_t *ws,
                           const int8_t *const *tp, td_dw_clamp_t lo, td_dw_clamp_t hi,
                           int clamp, int8_t *dst) {
    const int32_t groups = p->in_c >> 2;
    const int32_t *qt = p->acc0;
    int32_t o;
    for (o = 0; o < 4 * groups; o += 4, qt += TD_DW_QT_GROUP) {
        int32_t a0 = qt[0], a1 = qt[1], a2 = qt[2], a3 = qt[3];
        TD_DW_PAIR(tp[0] + o, tp[1] + o, ws);
        TD_DW_PAIR(tp[2] + o, tp[3] + o, ws);
        TD_DW_PAIR(tp[4] + o, tp[5] + o, ws);
        TD_DW_PAIR(tp[6] + o, tp[7] + o, ws);
        TD_DW_TAP(tp[8] + o, ws);
        dw_store4(qt + 4, a0, a1, a2, a3, lo, hi, clamp, dst + o);
    }
    if (p->in_c & 3) dw_tail(p, tp, dst);
}

/* The tap table of the window with top-left input pixel (y0, x0). */
static void dw_taps(const td_conv_params_t *p, const int8_t *in_b, const int8_t *zp_row,
                    int32_t y0, int32_t x0, const int8_t **tp) {
    int32_t ky, kx;
    for (ky = 0; ky < 3; ++ky)
        for (kx = 0; kx < 3; ++kx) {
            const int32_t iy = y0 + ky, ix = x0 + kx;
            tp[ky * 3 + kx] = (iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w)
                                  ? in_b + (iy * p->in_w + ix) * p->in_c : zp_row;
        }
}

static void dw_interior_sat(const td_conv_params_t *p, const td_dw_w_t *ws, const int8_t *x,
                            int32_t n, int32_t step, td_dw_clamp_t lo, td_dw_clamp_t hi,
                            int8_t *dst) {
    dw_interior(p, ws, x, n, step, lo, hi, 0, dst);
}
static void dw_table_clamp(const td_conv_params_t *p, const td_dw_w_t *ws,
                           const int8_t *const *tp, td_dw_clamp_t lo, td_dw_clamp_t hi,
                           int8_t *dst) {
    dw_table(p, ws, tp, lo, hi, 1, dst);
}
static void dw_table_sat(const td_conv_params_t *p, const td_dw_w_t *ws,
                         const int8_t *const *tp, td_dw_clamp_t lo, td_dw_clamp_t hi,
                         int8_t *dst) {
    dw_table(p, ws, tp, lo, hi, 0, dst);
}

void td_depthwise_conv2d_3x3_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out) {
    const int32_t c = p->in_c, rs = p->in_w * c;
    const int32_t sh = p->stride_h, sw = p->stride_w;
    /* output rows/columns whose whole window is inside the input: [lo, hi) */
    const int32_t oy_lo = (p->pad_h + sh - 1) / sh, ox_lo = (p->pad_w + sw - 1) / sw;
    const int32_t oy_hi = td_min_i32(p->out_h, p->in_h - 3 + p->pad_h >= 0
                                                   ? (p->in_h - 3 + p->pad_h) / sh + 1 : 0);
    const int32_t ox_hi = td_min_i32(p->out_w, p->in_w - 3 + p->pad_w >= 0
                                                   ? (p->in_w - 3 + p->pad_w) / sw + 1 : 0);
    const td_dw_clamp_t lo = TD_DW_CLAMP(p->act_min), hi = TD_DW_CLAMP(p->act_max);
    /* An activation range inside int8 needs the byte-lane clamp: such layers (rare: none
     * in the MLPerf Tiny models) run every pixel through the tap-table loop, which has
     * the clamp, and the code keeps a single interior loop. */
    const int clamp = TD_USE_SIMD && (p->act_min > -128 || p->act_max < 127);
    void (*const table)(const td_conv_params_t *, const td_dw_w_t *, const int8_t *const *,
                        td_dw_clamp_t, td_dw_clamp_t, int8_t *)
        = clamp ? dw_table_clamp : dw_table_sat;
    int8_t *zp_row = (int8_t *)p->scratch;
    const td_dw_w_t *ws;
    const int8_t *tp[9];
    int32_t b, oy, ox, i;
#if TD_USE_SIMD
    {
        uint32_t *wx = (uint32_t *)p->scratch;
        const int8_t *w = p->weights;
        for (i = 0; i < (c >> 2); ++i) {
            int32_t k;
            for (k = 0; k < 8; k += 2) {          /* taps k, k+1: per channel one pair */
                const uint32_t wa = td_read_u32(w + 4 * k), wb = td_read_u32(w + 4 * k + 4);
                const uint32_t y = td_pkhbt16(wa, wb), z = td_pkhtb16(wb, wa);
                wx[0] = td_sxtb16(y);
                wx[1] = td_sxtb16_hi(y);
                wx[2] = td_sxtb16(z);
                wx[3] = td_sxtb16_hi(z);
                wx += 4;
            }
            {                                      /* tap 8: channels (0, 2), (1, 3) */
                const uint32_t v = td_read_u32(w + 32);
                wx[0] = td_sxtb16(v);
                wx[1] = td_sxtb16_hi(v);
                wx += 2;
            }
            w += TD_DW_GROUP_BYTES;
        }
        ws = (const td_dw_w_t *)p->scratch;
        zp_row = (int8_t *)wx;
    }
#else
    ws = p->weights;
#endif
    for (i = 0; i < c; ++i) zp_row[i] = (int8_t)-p->in_offset;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + (int32_t)b * p->in_h * rs;
        int8_t *dst = out + (int32_t)b * p->out_h * p->out_w * c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t y0 = oy * sh - p->pad_h;
            const int inner_row = oy >= oy_lo && oy < oy_hi;
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t x0 = ox * sw - p->pad_w;
                if (!clamp && inner_row && ox == ox_lo && ox_lo < ox_hi) {
                    dw_interior_sat(p, ws, in_b + y0 * rs + x0 * c, ox_hi - ox_lo, sw * c, lo, hi, dst);
                    dst += (ox_hi - ox_lo) * c;
                    ox = ox_hi - 1;
                    continue;
                }
                dw_taps(p, in_b, zp_row, y0, x0, tp);
                table(p, ws, tp, lo, hi, dst);
                dst += c;
            }
        }
    }
}
