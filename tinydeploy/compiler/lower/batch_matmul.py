"""BATCH_MATMUL -> td_batch_matmul_s8 (td_batch_matmul_params_t): int8 x int8, either
operand an activation or a constant, adj_x / adj_y, broadcast batch dimensions.

TFLite Micro's Prepare, done here: one per-tensor multiplier from
GetQuantizedConvolutionMultipler (the two input scales multiplied in float, then the
quotient by the output scale in double) and QuantizeMultiplier; no fused activation
(the int8 range). TFLM transposes operands into copies; the kernel reads them through
strides instead (integer sums: the order does not change the bytes).
"""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import op_options as opts
from .. import quant
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import MAX_DIMS, BatchMatMulParams
from ..program import Const, Layer, LowerContext, TensorArg
from .elementwise import broadcast_strides


def _merge(dims, s1, s2):
    """Drop size-1 batch dims and merge neighbours contiguous in both operands."""
    keep = [(d, a, b) for d, a, b in zip(dims, s1, s2) if d != 1]
    out: list[list[int]] = []
    for d, a, b in keep:
        if out and out[-1][1] == a * d and out[-1][2] == b * d:
            out[-1] = [out[-1][0] * d, a, b]
        else:
            out.append([d, a, b])
    return [x[0] for x in out], [x[1] for x in out], [x[2] for x in out]


def batch_matmul(low: LowerContext, op: Op) -> Layer:
    g = low.g
    where = f"layer {op.index} BATCH_MATMUL"
    lhs, rhs, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    for t in (lhs, rhs):
        if not 2 <= len(t.shape) <= 5:
            raise ModelError(f"{where}: operands must have rank 2 to 5 (got {list(t.shape)})")
        if t.quant is None or t.quant.scale.size != 1:
            raise ModelError(f"{where}: operands must be quantized per tensor")
    adj_x, adj_y = op.options.get("adj_x", False), op.options.get("adj_y", False)
    rank = max(len(lhs.shape), len(rhs.shape))
    ls = (1,) * (rank - len(lhs.shape)) + tuple(lhs.shape)
    rs = (1,) * (rank - len(rhs.shape)) + tuple(rhs.shape)
    a, bb = ls[-2:]
    c, d = rs[-2:]
    rows, depth, l_row, l_dep = (bb, a, 1, bb) if adj_x else (a, bb, bb, 1)
    r_depth, cols, r_dep, r_col = (d, c, 1, d) if adj_y else (c, d, d, 1)
    out_batch = []
    for dl, dr in zip(ls[:-2], rs[:-2]):
        if dl != dr and dl != 1 and dr != 1:
            raise ModelError(f"{where}: batch dimensions {list(lhs.shape)} and "
                             f"{list(rhs.shape)} do not broadcast")
        out_batch.append(max(dl, dr))
    if r_depth != depth or tuple(y.shape) != tuple(out_batch) + (rows, cols):
        raise ModelError(f"{where}: shapes {list(lhs.shape)} x {list(rhs.shape)} "
                         f"(adj_x={adj_x}, adj_y={adj_y}) do not give the output "
                         f"{list(y.shape)}")
    dims, s1, s2 = _merge(out_batch, [s * a * bb for s in broadcast_strides(ls[:-2], out_batch)],
                          [s * c * d for s in broadcast_strides(rs[:-2], out_batch)])
    if len(dims) > MAX_DIMS:
        raise ModelError(f"{where}: more than {MAX_DIMS} batch dimensions")
    nd = len(dims)
    pad = [0] * (MAX_DIMS - nd)
    real = float(np.float32(lhs.scale) * np.float32(rhs.scale)) / float(y.scale)
    mult, shift = quant.quantize_multiplier(real)
    consts: list[Const] = []
    args = [low.data_arg(consts, op, op.inputs[0], "lhs"),
            low.data_arg(consts, op, op.inputs[1], "rhs")]
    params = BatchMatMulParams(
        n_batch=int(np.prod(out_batch, dtype=np.int64)), ndim=nd, dims=dims + pad,
        lhs_strides=s1 + pad, rhs_strides=s2 + pad, rows=rows, cols=cols, depth=depth,
        lhs_row_stride=l_row, lhs_depth_stride=l_dep, rhs_depth_stride=r_dep,
        rhs_col_stride=r_col, lhs_offset=-lhs.zero_point, rhs_offset=-rhs.zero_point,
        out_offset=y.zero_point, mult=mult, shift=shift)
    return Layer(index=op.index, op=op.kind, kernel="td_batch_matmul_s8", params=params,
                 args=args, inputs=[x.tensor for x in args if isinstance(x, TensorArg)],
                 output=op.outputs[0], consts=consts, macs=y.size * depth,
                 weight_bytes=sum(t.nbytes for t in (lhs, rhs) if t.is_const))


SPECS = (
    OpSpec("BATCH_MATMUL", rules.batch_matmul, batch_matmul, opts.parse_batch_matmul,
           inputs=2, kernels=("batch_matmul_s8",)),
)
