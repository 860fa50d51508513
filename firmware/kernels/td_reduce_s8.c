/* MEAN, SUM and REDUCE_MAX over any set of axes, bit-exact with TFLite Micro's int8
 * reductions (reduce_common.cc):
 * - MEAN and SUM: QuantizedMeanOrSum, (sum - in_zp * count) requantized once, for MEAN
 *   with 1/count folded into the multiplier at build time;
 * - REDUCE_MAX: the raw maximum (TFLite Micro requires equal input/output quantization).
 * The order of the integer sums differs from TFLite Micro's walk over the input; int32
 * sums of int8 values are exact either way. */
#include "td_kernels.h"
#include "td_fixedpoint.h"

enum { TD_RED_SUM, TD_RED_MAX };

/* Advance idx over dims[0..n-1] (the last fastest) and off along the strides. */
static inline void red_step(int32_t n, const int32_t *dims, const int32_t *strides,
                            int32_t *idx, int32_t *off) {
    int32_t d;
    for (d = n - 1; d >= 0; --d) {
        ++idx[d];
        *off += strides[d];
        if (idx[d] < dims[d]) return;
        *off -= strides[d] * dims[d];
        idx[d] = 0;
    }
}

/* The sum or maximum of the reduced elements below x: an odometer over all reduced
 * dimensions but the last, which runs as one strided loop. */
static int32_t red_one(const td_reduce_params_t *p, const int8_t *x, int kind) {
    int32_t idx[TD_MAX_DIMS] = {0};
    const int32_t nr = p->n_red;
    const int32_t run = nr ? p->red_dims[nr - 1] : 1, step = nr ? p->red_strides[nr - 1] : 0;
    int32_t acc = kind == TD_RED_MAX ? -128 : 0, off = 0, r, j;
    for (r = 0; r < p->count; r += run) {
        const int8_t *v = x + off;
        if (kind == TD_RED_MAX) {
            for (j = 0; j < run; ++j) {
                if (v[j * step] > acc) acc = v[j * step];
            }
        } else {
            for (j = 0; j < run; ++j) acc += v[j * step];
        }
        red_step(nr - 1, p->red_dims, p->red_strides, idx, &off);
    }
    return acc;
}

static void red_walk(const td_reduce_params_t *p, const int8_t *in, int8_t *out, int kind) {
    int32_t idx[TD_MAX_DIMS] = {0};
    int32_t o, off = 0;
    for (o = 0; o < p->out_size; ++o) {
        const int32_t acc = red_one(p, in + off, kind);
        int32_t v;
        if (kind == TD_RED_MAX) {
            v = acc;
        } else {
            v = td_mbqm(acc - p->in_zp * p->count, p->mult, p->shift) + p->out_zp;
            v = td_clamp_i32(v, -128, 127);
        }
        out[o] = (int8_t)v;
        red_step(p->n_kept, p->kept_dims, p->kept_strides, idx, &off);
    }
}

void td_mean_s8(const td_reduce_params_t *p, const int8_t *in, int8_t *out) {
    red_walk(p, in, out, TD_RED_SUM);
}

void td_sum_s8(const td_reduce_params_t *p, const int8_t *in, int8_t *out) {
    red_walk(p, in, out, TD_RED_SUM);
}

void td_reduce_max_s8(const td_reduce_params_t *p, const int8_t *in, int8_t *out) {
    red_walk(p, in, out, TD_RED_MAX);
}
