"""CONCATENATION -> td_concat_s8 (td_concat_params_t): inputs quantized like the output,
copied as [outer][inner] blocks of bytes (an int16 element is two); constant inputs become
int8 arrays."""
from __future__ import annotations

import numpy as np

from ...errors import ModelError
from .. import op_options as opts
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import ConcatParams
from ..program import Const, Layer, ListArg, LowerContext, TensorArg


def concat(low: LowerContext, op: Op) -> Layer:
    g = low.g
    y = g.t(op.outputs[0])
    nd = len(y.shape)
    axis = op.options.get("axis", 0) % nd
    if op.options.get("activation", "NONE") != "NONE":
        raise ModelError(f"layer {op.index} CONCATENATION: fused activation not supported")
    consts: list[Const] = []
    args, inner = [], []
    for k, ti in enumerate(op.inputs):
        t = g.t(ti)
        if t.dtype != y.dtype or (t.is_const and t.dtype != "int8"):
            raise ModelError(f"layer {op.index} CONCATENATION: not supported yet: a {t.dtype} "
                             f"{'constant ' if t.is_const else ''}input into {y.dtype}")
        if t.scale != y.scale or t.zero_point != y.zero_point:
            raise ModelError(f"layer {op.index} CONCATENATION: input {k} is quantized "
                             "differently from the output; TFLite Micro requires equal "
                             "quantization (reconvert the model)")
        inner.append(int(np.prod(t.shape[axis:], dtype=np.int64)) * (t.nbytes // max(t.size, 1)))
        args.append(low.data_arg(consts, op, ti, f"in{k}"))
    outer = int(np.prod(y.shape[:axis], dtype=np.int64))
    params = ConcatParams(outer=outer, n_inputs=len(args),
                  in_inner=low.const(consts, op, "inner", "int32_t", inner))
    inputs = [a.tensor for a in args if isinstance(a, TensorArg)]
    return Layer(index=op.index, op=op.kind, kernel="td_concat_s8", params=params,
                 args=[ListArg(tuple(args))], inputs=inputs, output=op.outputs[0], consts=consts)


SPECS = (
    OpSpec("CONCATENATION", rules.concat, concat, opts.parse_concatenation,
           kernels=("concat_s8",), int16=True),
)
