/* BATCH_MATMUL, int8 x int8 (TFLM reference_ops::BatchMatMul with FullyConnectedParams):
 * out = MultiplyByQuantizedMultiplier(sum_k (lhs + lhs_offset) * (rhs + rhs_offset)) plus
 * the output offset, clamped to int8, one per-tensor multiplier. adj_x / adj_y are strides
 * (no transposed copies); batch dimensions broadcast through per-operand strides. */
#include "td_kernels.h"
#include "td_fixedpoint.h"

static void matmul(const td_batch_matmul_params_t *p, const int8_t *lhs, const int8_t *rhs,
                   int8_t *out) {
    int32_t i, j, k;
    for (i = 0; i < p->rows; ++i) {
        const int8_t *l = lhs + i * p->lhs_row_stride;
        for (j = 0; j < p->cols; ++j) {
            const int8_t *r = rhs + j * p->rhs_col_stride;
            int32_t acc = 0, v;
            for (k = 0; k < p->depth; ++k) {
                acc += ((int32_t)l[k * p->lhs_depth_stride] + p->lhs_offset)
                     * ((int32_t)r[k * p->rhs_depth_stride] + p->rhs_offset);
            }
            v = td_mbqm(acc, p->mult, p->shift) + p->out_offset;
            out[i * p->cols + j] = (int8_t)td_clamp_i32(v, -128, 127);
        }
    }
}

void td_batch_matmul_s8(const td_batch_matmul_params_t *p, const int8_t *lhs, const int8_t *rhs,
                        int8_t *out) {
    int32_t idx[TD_MAX_DIMS] = {0};
    int32_t m, d, lo = 0, ro = 0;
    const int32_t size = p->rows * p->cols;
    for (m = 0; m < p->n_batch; ++m) {
        matmul(p, lhs + lo, rhs + ro, out + m * size);
        /* odometer over the batch dims, the last one fastest */
        for (d = p->ndim - 1; d >= 0; --d) {
            ++idx[d];
            lo += p->lhs_strides[d];
            ro += p->rhs_strides[d];
            if (idx[d] < p->dims[d]) break;
            lo -= p->lhs_strides[d] * p->dims[d];
            ro -= p->rhs_strides[d] * p->dims[d];
            idx[d] = 0;
        }
    }
}
