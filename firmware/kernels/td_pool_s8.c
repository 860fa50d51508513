/* AVERAGE_POOL_2D and MAX_POOL_2D; windows are clipped at the borders as in TFLM. */
#include "td_kernels.h"
#include "td_fixedpoint.h"

#define TD_POOL_LOOP(BODY_INIT, BODY_ACC, BODY_OUT)                                        \
    int32_t b, oy, ox, c;                                                                  \
    for (b = 0; b < p->batches; ++b)                                                       \
    for (oy = 0; oy < p->out_h; ++oy)                                                      \
    for (ox = 0; ox < p->out_w; ++ox) {                                                    \
        const int32_t y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;  \
        const int32_t fy0 = td_max_i32(0, -y0), fy1 = td_min_i32(p->k_h, p->in_h - y0);    \
        const int32_t fx0 = td_max_i32(0, -x0), fx1 = td_min_i32(p->k_w, p->in_w - x0);    \
        for (c = 0; c < p->c; ++c) {                                                       \
            int32_t fy, fx;                                                                \
            BODY_INIT                                                                      \
            for (fy = fy0; fy < fy1; ++fy)                                                 \
                for (fx = fx0; fx < fx1; ++fx) {                                           \
                    const int32_t v = in[(((int32_t)b * p->in_h + y0 + fy) * p->in_w + x0 + fx) * p->c + c]; \
                    BODY_ACC                                                               \
                }                                                                          \
            BODY_OUT                                                                       \
            out[(((int32_t)b * p->out_h + oy) * p->out_w + ox) * p->c + c] =               \
                (int8_t)td_clamp_i32(acc, p->act_min, p->act_max);                         \
        }                                                                                  \
    }

void td_avg_pool_s8(const td_pool_params_t *p, const int8_t *in, int8_t *out) {
    TD_POOL_LOOP(int32_t acc = 0; int32_t count = 0;,
                 acc += v; ++count;,
                 if (count > 0) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;)
}

void td_max_pool_s8(const td_pool_params_t *p, const int8_t *in, int8_t *out) {
    TD_POOL_LOOP(int32_t acc = -128;,
                 if (v > acc) acc = v;,
                 ;)
}
