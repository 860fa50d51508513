/* MAX_POOL_2D, bit-exact with TFLM's reference int8 MaxPool: windows clipped at the
 * borders (td_window), maximum over the window, clamp.
 *
 * Four channels at a time: on DSP cores one word per window pixel, per-byte signed max
 * (SSUB8 + SEL), scalar otherwise. */
#include "td_kernels.h"
#include "td_fixedpoint.h"
#include "td_simd.h"
#include "td_simd_s8x4.h"
#include "td_window.h"

void td_max_pool_s8(const td_pool_params_t *p, const int8_t *in, int8_t *out) {
    const int32_t c = p->c;
    int32_t b, oy, ox, ch, y, x;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *in_b = in + (int32_t)b * p->in_h * p->in_w * c;
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy = oy * p->stride_h - p->pad_h;
            int32_t fy0, fy1;
            td_window(iy, 1, p->k_h, p->in_h, &fy0, &fy1);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix = ox * p->stride_w - p->pad_w;
                int8_t *dst = out + (((int32_t)b * p->out_h + oy) * p->out_w + ox) * c;
                int32_t fx0, fx1;
                td_window(ix, 1, p->k_w, p->in_w, &fx0, &fx1);
                ch = 0;
#if TD_USE_SIMD
                {
                    const uint32_t lo4 = td_splat_s8x4(p->act_min), hi4 = td_splat_s8x4(p->act_max);
                    for (; ch + 4 <= c; ch += 4) {
                        uint32_t m = td_splat_s8x4(-128);
                        for (y = iy + fy0; y < iy + fy1; ++y) {
                            const int8_t *r = in_b + (y * p->in_w + ix + fx0) * c + ch;
                            for (x = fx0; x < fx1; ++x) {
                                m = td_max_s8x4(m, td_read_u32(r));
                                r += c;
                            }
                        }
                        td_write_u32(dst + ch, td_min_s8x4(td_max_s8x4(m, lo4), hi4));
                    }
                }
#endif
                for (; ch < c; ++ch) {
                    int32_t m = -128;
                    for (y = iy + fy0; y < iy + fy1; ++y) {
                        const int8_t *r = in_b + (y * p->in_w + ix + fx0) * c + ch;
                        for (x = fx0; x < fx1; ++x) {
                            if (*r > m) m = *r;
                            r += c;
                        }
                    }
                    dst[ch] = (int8_t)td_clamp_i32(m, p->act_min, p->act_max);
                }
            }
        }
    }
}
