/* CONV_2D, general filter (strides, padding, dilation; no groups): each output pixel's
 * receptive field is gathered into an int16 column (padded taps hold the input zero point,
 * which acc0 cancels), then two pixels by two channels at a time go through the matrix
 * core (td_conv_core.h). Bit-exact with TFLM ConvPerChannel: the same integer sums. */
#include "td_conv_gather.h"

void td_conv2d_im2col_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out) {
    const int32_t k4w = (p->k_h * p->k_w * p->in_c + 3) / 4;
    /* scratch: [int8 staging, k4 bytes][int16 columns of two pixels] */
    int16_t *cols = (int16_t *)((int8_t *)p->scratch + k4w * 4);
    td_conv_pixels(p, in, cols, k4w, out, td_im2col);
}
