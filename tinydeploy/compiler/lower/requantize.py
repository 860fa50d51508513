"""QUANTIZE (int8 -> int8), RELU and RELU6 -> td_requantize_s8 (td_requant_params_t);
QUANTIZE float32 -> int8 goes to float_io.py after a model input, and ending a float island
(float_islands.py) it becomes the island's lookup table (td_lut_s8)."""
from __future__ import annotations

from ...errors import ModelError
from .. import float_islands, quant
from .. import verify_ops as rules
from ..ir import Op
from ..opspec import OpSpec
from ..params import LutParams, RequantParams, RequantS16Params
from ..program import Layer, LowerContext, TensorArg
from .float_io import quantize_f32


def float_island(low: LowerContext, op: Op, island: float_islands.Island) -> Layer:
    """The island that `op` (QUANTIZE) ends, as one table lookup from its int8 source."""
    src = low.g.t(island.source)
    if src.quant is None or src.quant.per_channel:
        raise ModelError(f"layer {op.index} QUANTIZE: the float island's int8 source "
                         f"'{src.name}' needs one scale and zero point")
    consts: list = []
    table = low.const(consts, op, "lut", "int8_t", float_islands.table(low.g, island))
    return Layer(index=op.index, op=">".join(("DEQUANTIZE",) + island.kinds + ("QUANTIZE",)),
                 kernel="td_lut_s8", params=LutParams(size=src.size, table=table),
                 args=[TensorArg(island.source)], inputs=[island.source],
                 output=op.outputs[0], consts=consts, fused=list(island.ops))


def requantize(low: LowerContext, op: Op) -> Layer:
    """QUANTIZE (int8 -> int8), RELU and RELU6: out_zp + MBQM(x - in_zp), clamped.

    RELU6 follows TFLite's reference kernel, not TFLite Micro: TFLite Micro clamps in the
    input's quantization and ignores a different output scale, which is far from the float
    model when the converter gives RELU6 its own output range (see docs/architecture.md).
    Where the scales agree both give the same bytes.
    """
    x, y = low.g.t(op.inputs[0]), low.g.t(op.outputs[0])
    if x.dtype == "float32":          # a float model input or a float island's end
        if y.dtype != "int8":
            raise ModelError(f"layer {op.index} QUANTIZE: not supported yet: float32 to "
                             f"{y.dtype}")
        island = float_islands.islands(low.g).get(op.index)
        return quantize_f32(low, op) if island is None else float_island(low, op, island)
    mult, shift = quant.quantize_multiplier(float(x.scale) / float(y.scale))
    if "int16" in (x.dtype, y.dtype):
        if op.kind != "QUANTIZE" or {x.dtype, y.dtype} - {"int8", "int16"}:
            raise ModelError(f"layer {op.index} {op.kind}: not supported yet: {x.dtype} to "
                             f"{y.dtype}")
        lo, hi = (-32768, 32767) if y.dtype == "int16" else (quant.INT8_MIN, quant.INT8_MAX)
        return low.unary(op, "td_requantize_s16", RequantS16Params(
            size=x.size, in_zp=x.zero_point, out_zp=y.zero_point, mult=mult, shift=shift,
            act_min=lo, act_max=hi, in_bytes=x.nbytes // x.size, out_bytes=y.nbytes // y.size))
    lo, hi = quant.INT8_MIN, quant.INT8_MAX
    if op.kind in ("RELU", "RELU6"):
        lo, hi = quant.activation_range(op.kind, y.scale, y.zero_point)
    return low.unary(op, "td_requantize_s8", RequantParams(
        size=x.size, in_zp=x.zero_point, out_zp=y.zero_point, mult=mult,
        shift=shift, act_min=lo, act_max=hi))


SPECS = (
    OpSpec("QUANTIZE", rules.same_shape, requantize,
           kernels=("requantize_s8", "quantize_f32_s8", "requantize_s16"), int16=True),
    OpSpec("RELU", rules.same_shape, requantize, kernels=("requantize_s8",)),
    OpSpec("RELU6", rules.same_shape, requantize, kernels=("requantize_s8",)),
)
