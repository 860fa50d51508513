/* AVERAGE_POOL_2D and MAX_POOL_2D of int16 tensors (16x8 models), as TFLM's reference
 * integer AveragePool / MaxPool for int16: windows clipped at the borders (td_window); the
 * average rounds half away from zero over the valid taps, the maximum starts at the int16
 * minimum; then the clamp. Values through memcpy (the arena is a byte array). */
#include <string.h>

#include "td_kernels.h"
#include "td_fixedpoint.h"
#include "td_window.h"

static void pool_s16(const td_pool_params_t *p, const int8_t *in, int8_t *out, int avg) {
    int32_t b, oy, ox, ch, y, x;
    for (b = 0; b < p->batches; ++b) {
        for (oy = 0; oy < p->out_h; ++oy) {
            const int32_t iy = oy * p->stride_h - p->pad_h;
            int32_t fy0, fy1;
            td_window(iy, 1, p->k_h, p->in_h, &fy0, &fy1);
            for (ox = 0; ox < p->out_w; ++ox) {
                const int32_t ix = ox * p->stride_w - p->pad_w;
                int32_t fx0, fx1, n;
                td_window(ix, 1, p->k_w, p->in_w, &fx0, &fx1);
                n = (fy1 - fy0) * (fx1 - fx0);
                for (ch = 0; ch < p->c; ++ch) {
                    int32_t acc = avg ? 0 : -32768;
                    int16_t r;
                    for (y = iy + fy0; y < iy + fy1; ++y) {
                        for (x = ix + fx0; x < ix + fx1; ++x) {
                            int16_t v;
                            memcpy(&v, in + 2 * (((b * p->in_h + y) * p->in_w + x) * p->c + ch),
                                   sizeof v);
                            if (avg) {
                                acc += v;
                            } else if (v > acc) {
                                acc = v;
                            }
                        }
                    }
                    if (avg && n > 0) {
                        acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
                    }
                    r = (int16_t)td_clamp_i32(acc, p->act_min, p->act_max);
                    memcpy(out + 2 * (((b * p->out_h + oy) * p->out_w + ox) * p->c + ch), &r,
                           sizeof r);
                }
            }
        }
    }
}

void td_avg_pool_s16(const td_pool_params_t *p, const int8_t *in, int8_t *out) {
    pool_s16(p, in, out, 1);
}

void td_max_pool_s16(const td_pool_params_t *p, const int8_t *in, int8_t *out) {
    pool_s16(p, in, out, 0);
}
