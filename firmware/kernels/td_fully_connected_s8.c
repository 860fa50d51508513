/* FULLY_CONNECTED, per-tensor or per-channel (TFLM FullyConnected / FullyConnectedPerChannel). */
#include "td_kernels.h"
#include "td_fixedpoint.h"

void td_fully_connected_s8(const td_fc_params_t *p, const int8_t *in, int8_t *out) {
    int32_t b, o, d;
    for (b = 0; b < p->batches; ++b) {
        const int8_t *x = in + (int32_t)b * p->in_depth;
        for (o = 0; o < p->out_n; ++o) {
            const int8_t *w = p->weights + (int32_t)o * p->in_depth;
            const int32_t k = p->per_channel ? o : 0;
            int32_t acc = 0;
            for (d = 0; d < p->in_depth; ++d) {
                acc += ((int32_t)w[d] + p->w_offset) * ((int32_t)x[d] + p->in_offset);
            }
            if (p->bias) acc += p->bias[o];
            acc = td_mbqm(acc, p->mult[k], p->shift[k]) + p->out_offset;
            out[(int32_t)b * p->out_n + o] = (int8_t)td_clamp_i32(acc, p->act_min, p->act_max);
        }
    }
}
