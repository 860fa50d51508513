/* AVERAGE_POOL_2D, bit-exact with TFLM's reference int8 AveragePool: windows clipped at
 * the borders (td_window), sum over the window, rounded division by the clipped window's
 * size with halves away from zero, clamp.
 *
 * Four channels at a time: on DSP cores one word per window pixel summed into two 16-bit
 * lane pairs (SXTAB16; 256 pixels of int8 fit a 16-bit lane), scalar otherwise. */
#include "td_kernels.h"
#include "td_fixedpoint.h"
#include "td_simd.h"
#include "td_window.h"

static inline int8_t avg_out(int32_t acc, int32_t count, int32_t lo, int32_t hi) {
    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    return (int8_t)td_clamp_i32(acc, lo, hi);
}

/* sum of channels c0..c0+3 over the window rows [y0, y1) x columns [x0, x1) */
static void avg_sum4(const int8_t *in, int32_t in_w, int32_t c, int32_t y0, int32_t y1,
                     int32_t x0, int32_t x1, int32_t acc[4]) {
    int32_t y, x;
#if TD_USE_SIMD
    if ((y1 - y0) * (x1 - x0) <= 256) {
        uint32_t s02 = 0, s13 = 0;
        for (y = y0; y < y1; ++y) {
            const int8_t *r = in + (y * in_w + x0) * c;
            for (x = x0; x < x1; ++x) {
                const uint32_t v = td_read_u32(r);
                s02 = td_sxtab16(s02, v);
                s13 = td_sxtab16_hi(s13, v);
                r += c;
            }
        }
        acc[0] = td_lo16(s02);
        acc[1] = td_lo16(s13);
        acc[2] = td_hi16(s02);
        acc[3] = td_hi16(s13);
        return;
    }
#endif
    acc[0] = acc[1] = acc[2] = acc[3] = 0;
    for (y = y0; y < y1; ++y) {
        const int8_t *r = in + (y * in_w + x0) * c;
        for (x = x0; x < x1; ++x) {
            acc[0] += r[0];
            acc[1] += r[1];
            acc[2] += r[2];
            acc[3] += r[3];
            r += c;
        }
    }
}

void td_avg_pool_s8(const td_pool_params_t *p, const int8_t *in, int8_t *out) {
    const int32_t c = p->c, c4 = c & ~3;
    int32_t b, oy, ox, ch;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + (int32_t)b * p->in_h * p->in_w * c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy = oy * p->stride_h - p->pad_h;
            int32_t fy0, fy1;
            td_window(iy, 1, p->k_h, p->in_h, &fy0, &fy1);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix = ox * p->stride_w - p->pad_w;
                int8_t *dst = out + (((int32_t)b * p->out_h + oy) * p->out_w + ox) * c;
                int32_t fx0, fx1, count;
                td_window(ix, 1, p->k_w, p->in_w, &fx0, &fx1);
                count = (fy1 - fy0) * (fx1 - fx0);
                if (count <= 0) {      /* empty window (TFLM leaves the sum 0) */
                    for (ch = 0; ch < c; ++ch)
                        dst[ch] = (int8_t)td_clamp_i32(0, p->act_min, p->act_max);
                    continue;
                }
                for (ch = 0; ch < c4; ch += 4) {
                    int32_t acc[4];
                    avg_sum4(in_b + ch, p->in_w, c, iy + fy0, iy + fy1, ix + fx0, ix + fx1, acc);
                    dst[ch] = avg_out(acc[0], count, p->act_min, p->act_max);
                    dst[ch + 1] = avg_out(acc[1], count, p->act_min, p->act_max);
                    dst[ch + 2] = avg_out(acc[2], count, p->act_min, p->act_max);
                    dst[ch + 3] = avg_out(acc[3], count, p->act_min, p->act_max);
                }
                for (; ch < c; ++ch) {
                    int32_t acc = 0, y, x;
                    for (y = iy + fy0; y < iy + fy1; ++y)
                        for (x = ix + fx0; x < ix + fx1; ++x) acc += in_b[(y * p->in_w + x) * c + ch];
                    dst[ch] = avg_out(acc, count, p->act_min, p->act_max);
                }
            }
        }
    }
}
