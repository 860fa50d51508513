/* tinydeploy int8 kernels: plain C99, bit-exact with TFLite Micro's reference kernels.
 * Every kernel takes a const parameter block that the code generator fills at build time
 * (shapes, offsets, requantization constants), so nothing is computed at run time that
 * could have been computed on the host. Layouts are NHWC; weights as in the .tflite. */
#ifndef TD_KERNELS_H
#define TD_KERNELS_H

#include <stdint.h>

#define TD_KERNELS_VERSION 6

#include "td_fixedpoint.h"

#define TD_MAX_DIMS 6

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_h, pad_w;
    int32_t filter_in_c;     /* CONV_2D: in_c / groups */
    int32_t depth_mult;      /* DEPTHWISE_CONV_2D: out_c / in_c */
    int32_t in_offset, out_offset, act_min, act_max;
    const int8_t *weights;   /* conv [out_c][k_h][k_w][filter_in_c]; depthwise [k_h][k_w][out_c] */
    const int32_t *bias;     /* [out_c] or NULL */
    const int32_t *mult;     /* [out_c] */
    const int32_t *shift;    /* [out_c] */
    /* Fast paths only (NULL for the portable reference kernels); the fast kernel that a
     * layer gets says which weight layout `weights` then has. */
    const int32_t *acc0;     /* [out_c] bias + in_offset * sum(weights of the channel) */
    const td_rq_t *rq;       /* [out_c] requantization incl. out_offset (td_fixedpoint.h) */
    void *scratch;           /* planned scratch buffer (Layer.scratch bytes) */
} td_conv_params_t;

typedef struct {
    int32_t batches, in_depth, out_n;
    int32_t in_offset, w_offset, out_offset, act_min, act_max;
    int32_t per_channel;     /* mult/shift have out_n entries, else one */
    const int8_t *weights;   /* [out_n][in_depth] */
    const int32_t *bias;     /* [out_n] or NULL */
    const int32_t *mult;
    const int32_t *shift;
    /* td_fully_connected_rows4_s8 only (NULL otherwise): weights interleaved by 4 rows */
    const int32_t *acc0;     /* [out_n] bias + in_offset * sum(row) */
    const td_rq_t *rq;       /* [out_n] per channel, else [1] */
    void *scratch;           /* td_fully_connected_nm_s8 only (NULL otherwise): its table */
} td_fc_params_t;

typedef struct {
    int32_t batches, in_h, in_w, c, out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    int32_t act_min, act_max;
} td_pool_params_t;

typedef struct {
    int32_t size;            /* output elements */
    int32_t ndim;            /* 0: no broadcast, flat loop over size */
    int32_t dims[TD_MAX_DIMS];     /* output dims */
    int32_t strides1[TD_MAX_DIMS]; /* input 1 element strides, 0 on broadcast axes */
    int32_t strides2[TD_MAX_DIMS];
    int32_t in1_offset, in2_offset, out_offset;
    int32_t left_shift, in1_mult, in1_shift, in2_mult, in2_shift;   /* ADD, SUB, SQUARED_DIFFERENCE */
    int32_t out_mult, out_shift, act_min, act_max;
    /* ADD fast path (NULL: the arithmetic above): lut[0..255] is input 1's scaled value
     * (offset, left shift and multiplier applied) for int8 values -128..127, lut[256..511]
     * input 2's; out_rq requantizes their sum incl. out_offset (td_rq64_apply). */
    const int32_t *lut;
    td_rq64_t out_rq;
} td_binary_params_t;

typedef struct {
    int32_t outer, depth;
    int32_t in_mult, in_left_shift, diff_min;
} td_softmax_params_t;

/* LOG_SOFTMAX (output scale 16/256, zero point 127): softmax's input scaling, and the
 * reverse scaling of TFLM's PreprocessLogSoftmaxScalingExp (rev_shift <= 0, a right shift) */
typedef struct {
    int32_t outer, depth;
    int32_t in_mult, in_left_shift, rev_div, rev_shift, diff_min;
} td_log_softmax_params_t;

typedef struct {
    int32_t size, in_zp, range_radius, in_mult, in_left_shift;
} td_logistic_params_t;

/* MEAN / SUM / REDUCE_MAX over any set of axes. The lowering drops size-1 dimensions and
 * merges neighbours that are both kept or both reduced; output element o walks the kept
 * dimensions (row-major, as the output is laid out) and sums or maxes the input over the
 * reduced ones. Strides are input elements. */
typedef struct {
    int32_t out_size;                    /* output elements */
    int32_t n_kept;
    int32_t kept_dims[TD_MAX_DIMS];
    int32_t kept_strides[TD_MAX_DIMS];
    int32_t n_red;
    int32_t red_dims[TD_MAX_DIMS];
    int32_t red_strides[TD_MAX_DIMS];
    int32_t count;                       /* input elements per output element */
    int32_t in_zp, out_zp;
    int32_t mult, shift;   /* MEAN/SUM: (sum - in_zp * count) requantized (MEAN: 1/count
                            * folded into mult); unused by REDUCE_MAX */
} td_reduce_params_t;

/* LEAKY_RELU int16 -> int16 (16x8 models): TFLM's QuantizeLeakyRelu<int16_t> */
typedef struct {
    int32_t size, in_zp, out_zp, mult_id, shift_id, mult_alpha, shift_alpha;
} td_leaky_relu_s16_params_t;

typedef struct {
    int32_t in_dims[4], out_dims[4], before[4];
    int8_t value;
} td_pad_params_t;

typedef struct {
    int32_t outer, n_inputs;
    const int32_t *in_inner;       /* [n_inputs] bytes copied per outer step */
} td_concat_params_t;

typedef struct {
    int32_t size, in_zp, out_zp, mult, shift, act_min, act_max;
} td_requant_params_t;

/* QUANTIZE with an int16 side (16x8 models): td_requant_params_t's fields, and the byte
 * width (1: int8, 2: int16) of input and output */
typedef struct {
    int32_t size, in_zp, out_zp, mult, shift, act_min, act_max, in_bytes, out_bytes;
} td_requant_s16_params_t;

/* ---- shape / data movement: values pass through unchanged (input and output share
 * one quantization), so these kernels only copy. */
typedef struct {
    int32_t ndim;                  /* 1..TD_MAX_DIMS */
    int32_t dims[TD_MAX_DIMS];     /* output dims, outermost first (output is contiguous) */
    int32_t strides[TD_MAX_DIMS];  /* input element step per output index, may be negative */
    int32_t offset;                /* input element of output element 0 */
} td_copy_params_t;

typedef struct {
    int32_t outer, axis_size, n_coords, inner;  /* input [outer][axis_size][inner] */
    const int32_t *coords;         /* [n_coords], each in [0, axis_size) */
} td_gather_params_t;

typedef struct {
    int32_t ndim;                  /* 1..TD_MAX_DIMS */
    int32_t dims[TD_MAX_DIMS];     /* output dims, outermost first, the trailing run aside */
    int32_t inner;                 /* bytes per entry: the trailing axes left unpadded */
    const int32_t *src;            /* per dim d, dims[d] input byte offsets, dims in order */
} td_mirror_pad_params_t;

typedef struct {
    int32_t batches, in_h, in_w, c, out_h, out_w;
    /* nearest: ys[out_h], xs[out_w] the input row / column of each output one.
     * bilinear: ys[3*out_h], xs[3*out_w] as (lower, upper, 10-bit position - 1024*lower). */
    const int32_t *ys;
    const int32_t *xs;
} td_resize_params_t;
/* activations (LEAKY_RELU, HARD_SWISH, TANH, ELU, ABS, RSQRT) and L2_NORMALIZATION */
typedef struct {
    int32_t size;
    const int8_t *table;           /* [256]: output for input v at table[v + 128] */
} td_lut_params_t;

typedef struct {
    int32_t outer, depth;          /* input viewed as [outer][depth], normalized over depth */
    int32_t in_zp;
} td_l2norm_params_t;
/* ---- TRANSPOSE_CONV, BATCH_MATMUL (td_transpose_conv_s8.c, td_batch_matmul_s8.c) */
typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t k_h, k_w, stride_h, stride_w, pad_h, pad_w;
    int32_t in_offset, out_offset, act_min, act_max;
    const int8_t *weights;   /* [out_c][k_h][k_w][in_c], as in the .tflite */
    const int32_t *bias;     /* [out_c] or NULL */
    const int32_t *mult;     /* [out_c] */
    const int32_t *shift;    /* [out_c] */
    void *scratch;           /* planned: int32 [batches][out_h][out_w][out_c] accumulators */
} td_transpose_conv_params_t;

typedef struct {
    int32_t n_batch;         /* output matrices: the product of the batch dims */
    int32_t ndim;            /* batch dims (merged; the last one fastest) */
    int32_t dims[TD_MAX_DIMS];
    int32_t lhs_strides[TD_MAX_DIMS];  /* elements per batch step, 0 on broadcast axes */
    int32_t rhs_strides[TD_MAX_DIMS];
    int32_t rows, cols, depth;         /* out[rows][cols] = lhs[rows][depth] x rhs[depth][cols] */
    int32_t lhs_row_stride, lhs_depth_stride;   /* adj_x swaps them */
    int32_t rhs_depth_stride, rhs_col_stride;   /* adj_y swaps them */
    int32_t lhs_offset, rhs_offset, out_offset;
    int32_t mult, shift;
} td_batch_matmul_params_t;

/* ---- model I/O: float boundary conversion (TFLite Micro's AffineQuantize / Dequantize), ARG_MAX / ARG_MIN */
typedef struct {
    int32_t size, zero_point;
    float scale;
} td_quantize_f32_params_t;

typedef struct {
    int32_t size, zero_point;
    float scale;
} td_dequantize_params_t;

typedef struct {
    int32_t outer, axis_len, inner;  /* input viewed as [outer][axis_len][inner] */
    int32_t is_min;                  /* 1: ARG_MIN, 0: ARG_MAX (first index on ties) */
    int32_t out_bytes;               /* 4: int32 indices, 8: int64 */
} td_arg_minmax_params_t;

/* ---- palette weights (issue 19, clustered models): every output channel's int8 weights
 * are entries of a value table of 1 << bits entries (bits 4: 16, bits 2: 4); the weights
 * are stored as packed indices, decoded inside the kernel (compiler/encode_palette.py).
 * Rows of indices: depth padded to a whole 32-bit word of indices (8 at 4 bits, 16 at 2),
 * index j of a row in bits (j * bits) % 32 of word j * bits / 32, little-endian; rows
 * are word-aligned. Channel c's table: tables + (table_of ? table_of[c] : c * table_step)
 * * (1 << bits), table_of read as uint8. The arrays are int8_t like every constant. */
typedef struct {
    int32_t batches, in_depth, out_n, act_min, act_max;
    int32_t per_channel;     /* rq has out_n entries, else one */
    int32_t bits, table_step;
    /* DSP path: the n_tables tables are first expanded in scratch (after the column) into
     * pair tables, entry e = int16 pair (table[e & mask], table[e >> bits]), one lookup
     * per two weights; 0: look each weight up */
    int32_t pair_tables;
    const int8_t *indices;   /* [out_n][row words] packed indices */
    const int8_t *tables;
    const int8_t *table_of;  /* [out_n] or NULL */
    const int32_t *acc0;     /* [out_n] bias + in_offset * sum(row) */
    const td_rq_t *rq;
    void *scratch;           /* int16 input column, depth padded to the index words */
} td_fc_palette_params_t;

typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c, stride_h, stride_w;
    int32_t act_min, act_max;
    int32_t bits, table_step;
    int32_t tile;            /* output channels decoded at a time (even, or out_c) */
    const int8_t *indices;   /* [out_c][row words] packed indices */
    const int8_t *tables;
    const int8_t *table_of;  /* [out_c] or NULL */
    const int32_t *acc0;
    const td_rq_t *rq;
    void *scratch;           /* [tile][k4] decoded weights (td_conv_core.h layout), columns */
} td_conv_palette_params_t;

void td_conv2d_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out);
/* fast CONV_2D paths (weights, acc0, rq and scratch laid out as td_conv_core.h says) */
void td_conv2d_1x1_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out);
void td_conv2d_im2col_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out);
/* sparse weights (compiler/encode_sparse.py; `weights` is the blob td_sparse.h reads) */
void td_conv2d_sparse_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out);
/* 2:4 weights (compiler/encode_nm.py; `weights` is the blob) */
void td_conv2d_nm_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out);
void td_depthwise_conv2d_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out);
/* fast DEPTHWISE_CONV_2D: 3x3, depth multiplier 1 (layout in td_depthwise_conv2d_3x3_s8.c) */
void td_depthwise_conv2d_3x3_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out);
void td_fully_connected_s8(const td_fc_params_t *p, const int8_t *in, int8_t *out);
void td_fully_connected_rows4_s8(const td_fc_params_t *p, const int8_t *in, int8_t *out);
void td_fully_connected_sparse_s8(const td_fc_params_t *p, const int8_t *in, int8_t *out);
/* sparse-palette weights (compiler/encode_sparse_palette.py; td_sparse.h reads the blob) */
void td_conv2d_sparse_palette_s8(const td_conv_params_t *p, const int8_t *in, int8_t *out);
void td_fully_connected_sparse_palette_s8(const td_fc_params_t *p, const int8_t *in,
                                          int8_t *out);
void td_fully_connected_palette_s8(const td_fc_palette_params_t *p, const int8_t *in, int8_t *out);
/* 2:4 weights (compiler/encode_nm.py; `weights` is the blob, scratch its input table) */
void td_fully_connected_nm_s8(const td_fc_params_t *p, const int8_t *in, int8_t *out);
void td_conv2d_1x1_palette_s8(const td_conv_palette_params_t *p, const int8_t *in, int8_t *out);
void td_avg_pool_s8(const td_pool_params_t *p, const int8_t *in, int8_t *out);
void td_max_pool_s8(const td_pool_params_t *p, const int8_t *in, int8_t *out);
void td_add_s8(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void td_mul_s8(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void td_softmax_s8(const td_softmax_params_t *p, const int8_t *in, int8_t *out);
/* CONV_2D of a 16x8 model (td_conv2d_s16.c): int16 activations, int64 bias (zeros if the
 * model has none); the reference fields of td_conv_params_t (bias NULL) */
void td_conv2d_s16(const td_conv_params_t *p, const int8_t *in, const int64_t *bias,
                   int8_t *out);
void td_depthwise_conv2d_s16(const td_conv_params_t *p, const int8_t *in, const int64_t *bias,
                             int8_t *out);
/* TRANSPOSE_CONV of a 16x8 model (td_transpose_conv_s16.c): int16 activations, int64 bias
 * (zeros if none), scratch: int64 [batches][out_h][out_w][out_c] accumulators */
void td_transpose_conv_s16(const td_transpose_conv_params_t *p, const int8_t *in,
                           const int64_t *bias, int8_t *out);
/* ADD / SUB of int16 tensors (16x8 models; td_add_s16.c): the reference arithmetic */
void td_add_s16(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void td_sub_s16(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void td_avg_pool_s16(const td_pool_params_t *p, const int8_t *in, int8_t *out);
void td_max_pool_s16(const td_pool_params_t *p, const int8_t *in, int8_t *out);
void td_mul_s16(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void td_requantize_s16(const td_requant_s16_params_t *p, const int8_t *in, int8_t *out);
void td_leaky_relu_s16(const td_leaky_relu_s16_params_t *p, const int8_t *in, int8_t *out);
void td_log_softmax_s8(const td_log_softmax_params_t *p, const int8_t *in, int8_t *out);
void td_logistic_s8(const td_logistic_params_t *p, const int8_t *in, int8_t *out);
void td_pad_s8(const td_pad_params_t *p, const int8_t *in, int8_t *out);
void td_concat_s8(const td_concat_params_t *p, const int8_t *const *ins, int8_t *out);
void td_requantize_s8(const td_requant_params_t *p, const int8_t *in, int8_t *out);
/* issue 10: SUB (td_add_s8.c), MAXIMUM/MINIMUM, SQUARED_DIFFERENCE, reductions */
void td_sub_s8(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void td_maximum_s8(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void td_minimum_s8(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void td_squared_difference_s8(const td_binary_params_t *p, const int8_t *in1, const int8_t *in2,
                              int8_t *out);
void td_mean_s8(const td_reduce_params_t *p, const int8_t *in, int8_t *out);
void td_sum_s8(const td_reduce_params_t *p, const int8_t *in, int8_t *out);
void td_reduce_max_s8(const td_reduce_params_t *p, const int8_t *in, int8_t *out);

/* ---- shape / data movement */
void td_copy_nd_s8(const td_copy_params_t *p, const int8_t *in, int8_t *out);
void td_gather_s8(const td_gather_params_t *p, const int8_t *in, int8_t *out);
void td_mirror_pad_s8(const td_mirror_pad_params_t *p, const int8_t *in, int8_t *out);
void td_resize_nearest_s8(const td_resize_params_t *p, const int8_t *in, int8_t *out);
void td_resize_bilinear_s8(const td_resize_params_t *p, const int8_t *in, int8_t *out);
/* activations and L2_NORMALIZATION. td_prelu_s8 takes the binary block: in1 the input,
 * in2 the alpha array (strides2 its broadcast), in1_mult/in1_shift requantize x >= 0,
 * out_mult/out_shift the product (x - zp) * (alpha - alpha_zp) of x < 0. */
void td_lut_s8(const td_lut_params_t *p, const int8_t *in, int8_t *out);
void td_prelu_s8(const td_binary_params_t *p, const int8_t *in, const int8_t *alpha, int8_t *out);
void td_l2norm_s8(const td_l2norm_params_t *p, const int8_t *in, int8_t *out);
/* ---- TRANSPOSE_CONV, BATCH_MATMUL */
void td_transpose_conv_s8(const td_transpose_conv_params_t *p, const int8_t *in, int8_t *out);
void td_batch_matmul_s8(const td_batch_matmul_params_t *p, const int8_t *lhs, const int8_t *rhs,
                        int8_t *out);

/* ---- model I/O (in/out are the tensors' bytes: float32 / int32 / int64 little-endian) */
void td_quantize_f32_s8(const td_quantize_f32_params_t *p, const int8_t *in, int8_t *out);
void td_dequantize_s16_f32(const td_dequantize_params_t *p, const int8_t *in, int8_t *out);
void td_dequantize_s8_f32(const td_dequantize_params_t *p, const int8_t *in, int8_t *out);
void td_arg_minmax_s8(const td_arg_minmax_params_t *p, const int8_t *in, int8_t *out);

#endif
