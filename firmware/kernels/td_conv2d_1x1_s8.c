/* CONV_2D with a 1x1 filter, no padding, no groups (any stride): a matrix product of the
 * pixels' channel vectors with the weight rows, two pixels by two channels at a time
 * (td_conv_core.h). Bit-exact with TFLM ConvPerChannel: the same integer sums. */
#include "td_conv_gather.h"

void td_conv2d_1x1_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out) {
    td_conv_pixels(p, in, (int16_t *)p->scratch, (p->in_c + 3) / 4, out, td_gather_1x1);
}
