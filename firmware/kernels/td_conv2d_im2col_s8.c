/* CONV_2D, general filter (strides, padding, dilation; no groups): each output pixel's
 * receptive field is gathered into an int16 column (padded taps hold the input zero point,
 * which acc0 cancels), then two pixels by two channels at a time go through the matrix
 * core (td_conv_core.h). Bit-exact with TFLM ConvPerChannel: the same integer sums. */
#include "td_conv_gather.h"

/* The first output index i whose window start i * stride - pad is >= 0. */
static int32_t inside_lo(int32_t stride, int32_t pad) { return (pad + stride - 1) / stride; }
/* One past the last output index (< n) whose window of k taps ends inside [0, len). */
static int32_t inside_hi(int32_t n, int32_t stride, int32_t pad, int32_t k, int32_t len) {
    const int32_t last = len - k + pad;
    return last < 0 ? 0 : td_min_i32(n, last / stride + 1);
}

/* Few input channels (in_c % 4 != 0), no dilation: the pixel order, pairs and columns of
 * td_conv_pixels, with the gather of a window wholly inside the input done here from
 * local copies of the shape (one run of k_w * in_c bytes per filter row into the staging
 * area, then whole words; the staging pad bytes are zeroed once) and td_im2col for the
 * windows that touch the padding. */
static void conv_few_channels(const td_conv_params_t *p, const int8_t *in, int16_t *cols,
                              int32_t k4w, int8_t *out) {
    const int32_t c = p->in_c, kh = p->k_h, run = p->k_w * c, n = kh * run;
    const int32_t rs = p->in_w * c, out_w = p->out_w, out_h = p->out_h, out_c = p->out_c;
    const int32_t npix = p->batches * out_h * out_w, nw = (n + 3) >> 2;
    const int32_t oy_lo = inside_lo(p->stride_h, p->pad_h), ox_lo = inside_lo(p->stride_w, p->pad_w);
    const int32_t oy_hi = inside_hi(out_h, p->stride_h, p->pad_h, kh, p->in_h);
    const int32_t ox_hi = inside_hi(out_w, p->stride_w, p->pad_w, p->k_w, p->in_w);
    int8_t *const stage = (int8_t *)p->scratch;
    int32_t i, y = 0, x = 0, b = 0;
    if (n & 3) td_write_u32(stage + (n & ~3), 0);
    for (i = 0; i < npix; i += 2) {
        const int32_t m = npix - i < 2 ? 1 : 2;
        int32_t q;
        for (q = 0; q < m; ++q) {
            if (y >= oy_lo && y < oy_hi && x >= ox_lo && x < ox_hi) {
                const int8_t *src = in + ((b * p->in_h + y * p->stride_h - p->pad_h) * p->in_w
                                          + x * p->stride_w - p->pad_w) * c;
                int8_t *d = stage;
                int32_t ky;
                for (ky = 0;;) {
                    td_copy_bytes(d, src, run);
                    if (++ky == kh) break;
                    d += run;
                    src += rs;
                }
                td_col_put_words(cols, q, stage, nw);
            } else {
                td_im2col(p, in, cols, q, b, y, x);
            }
            if (++x == out_w) {
                x = 0;
                if (++y == out_h) {
                    y = 0;
                    ++b;
                }
            }
        }
        td_conv_columns(p, cols, k4w, out + i * out_c, out + (i + m - 1) * out_c);
    }
}

void td_conv2d_im2col_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out) {
    const int32_t k4w = (p->k_h * p->k_w * p->in_c + 3) / 4;
    /* scratch: [int8 staging, k4 bytes][int16 columns of two pixels] */
    int16_t *cols = (int16_t *)((int8_t *)p->scratch + k4w * 4);
    if ((p->in_c & 3) != 0 && p->dil_h == 1 && p->dil_w == 1) {
        conv_few_channels(p, in, cols, k4w, out);
    } else {
        td_conv_pixels(p, in, cols, k4w, out, td_im2col);
    }
}
