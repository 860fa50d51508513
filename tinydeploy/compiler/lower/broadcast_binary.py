"""MAXIMUM, MINIMUM and SQUARED_DIFFERENCE -> td_maximum_s8 / td_minimum_s8 /
td_squared_difference_s8 (td_binary_params_t, the broadcast odometer of ADD/MUL).

MAXIMUM/MINIMUM compare raw int8 values as TFLite Micro does (its kernel has no Prepare;
the converter gives both inputs and the output one quantization). SQUARED_DIFFERENCE
follows TFLite Micro's PrepareQuantized (squared_difference.cc): left shift 7, the input
multipliers in double from the larger input scale, the output multiplier
(2 max_scale)^2 / (2^14 out_scale) by QuantizeMultiplier (it may shift left)."""
from __future__ import annotations

from ...errors import ModelError
from .. import quant
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import MAX_DIMS, BinaryParams
from ..program import Const, Layer, LowerContext, TensorArg
from .elementwise import set_broadcast

KERNELS = {"MAXIMUM": "td_maximum_s8", "MINIMUM": "td_minimum_s8",
           "SQUARED_DIFFERENCE": "td_squared_difference_s8"}


def broadcast_binary(low: LowerContext, op: Op) -> Layer:
    g = low.g
    a, b, y = g.t(op.inputs[0]), g.t(op.inputs[1]), g.t(op.outputs[0])
    p = BinaryParams(size=y.size, ndim=0, dims=[0] * MAX_DIMS, strides1=[0] * MAX_DIMS,
                     strides2=[0] * MAX_DIMS, in1_offset=-a.zero_point,
                     in2_offset=-b.zero_point, out_offset=y.zero_point, left_shift=0,
                     in1_mult=0, in1_shift=0, in2_mult=0, in2_shift=0, out_mult=0,
                     out_shift=0, act_min=quant.INT8_MIN, act_max=quant.INT8_MAX)
    if len(y.shape) > MAX_DIMS:
        raise ModelError(f"layer {op.index} {op.kind}: {len(y.shape)}-D broadcast; at most "
                         f"{MAX_DIMS} dimensions are supported")
    set_broadcast(p, a.shape, b.shape, tuple(y.shape))
    if op.kind == "SQUARED_DIFFERENCE":
        p.left_shift = 7
        twice_max = 2.0 * float(max(a.scale, b.scale))
        p.in1_mult, p.in1_shift = quant.quantize_multiplier(float(a.scale) / twice_max)
        p.in2_mult, p.in2_shift = quant.quantize_multiplier(float(b.scale) / twice_max)
        p.out_mult, p.out_shift = quant.quantize_multiplier(
            twice_max * twice_max / ((1 << 14) * float(y.scale)))
    consts: list[Const] = []
    args = [low.data_arg(consts, op, op.inputs[0], "in1"),
            low.data_arg(consts, op, op.inputs[1], "in2")]
    return Layer(index=op.index, op=op.kind, kernel=KERNELS[op.kind], params=p, args=args,
                 inputs=[t.tensor for t in args if isinstance(t, TensorArg)],
                 output=op.outputs[0], consts=consts)


SPECS = tuple(OpSpec(name, rules.broadcast, broadcast_binary, inputs=2,
                     kernels=(kernel.removeprefix("td_"),)) for name, kernel in KERNELS.items())
