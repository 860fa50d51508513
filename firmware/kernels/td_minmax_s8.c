/* MAXIMUM and MINIMUM with N-D broadcasting, bit-exact with TFLM's reference
 * MaximumMinimumBroadcastSlow: the raw int8 values are compared, no requantization (the
 * converter gives both inputs and the output one quantization). One loop for both. */
#include "td_kernels.h"
#include "td_broadcast.h"

static void minmax(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2,
                   int8_t *out, int want_max) {
    int32_t idx[TD_MAX_DIMS] = {0};
    int32_t i, o1 = 0, o2 = 0;
    for (i = 0; i < p->size; ++i) {
        const int8_t a = p->ndim ? in1[o1] : in1[i], b = p->ndim ? in2[o2] : in2[i];
        out[i] = want_max ? (a > b ? a : b) : (a < b ? a : b);
        if (p->ndim) td_bcast_step(p, p->ndim - 1, idx, &o1, &o2);
    }
}

void td_maximum_s8(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2,
                   int8_t *out) {
    minmax(p, in1, in2, out, 1);
}

void td_minimum_s8(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2,
                   int8_t *out) {
    minmax(p, in1, in2, out, 0);
}
