"""Lower the graph IR to kernel calls: one Layer per kernel, with every constant baked.

Contract: `lower(graph)` returns a Program whose layers run in order; each names its C
kernel, its parameter block (a params.Params dataclass, one per td_kernels.h struct), its
typed data arguments, the constant arrays it owns, the activation tensors it reads and
writes, and its MACs. Aliasing ops (RESHAPE, SQUEEZE, EXPAND_DIMS) become layers with
`alias_of` set and no kernel. A lowering returns one Layer, or for an op with several
outputs (SPLIT, SPLIT_V, UNPACK) a list of them, one kernel call per output
(Layer.part). All arithmetic that TFLite Micro does in Prepare is done here (quant.py),
so the device only runs Eval. The Graph passed in is not changed.

One module per op family (DISPATCH below); a kernel's bit-exactness tests are
tests/host_c/test_<kernel stem>.py.
"""
from __future__ import annotations

import dataclasses

from ...errors import ModelError
from ..ir import Graph
from ..program import Layer, LowerContext, Program
from ..shape_inputs import output_shape_ops
from ..validate import ALIAS_OPS
from .activation import lut, prelu
from .arg_minmax import arg_minmax
from .batch_matmul import batch_matmul
from .broadcast_binary import broadcast_binary
from .concat import concat
from .conv import conv
from .dilated import fold_dilated_convs
from .elementwise import binary
from .float_io import dequantize
from .fully_connected import fully_connected
from .l2norm import l2norm
from .pad import pad
from .pool import pool
from .reduce import reduce
from .requantize import requantize
from .resize import resize
from .shape import SHAPE_DISPATCH
from .softmax import logistic, softmax
from .transpose_conv import transpose_conv

# op -> its lowering; one module per op family (conv.py, fully_connected.py, pool.py,
# elementwise.py, softmax.py, reduce.py, pad.py, concat.py, requantize.py, broadcast_binary.py).
DISPATCH = {
    "CONV_2D": conv, "DEPTHWISE_CONV_2D": conv, "FULLY_CONNECTED": fully_connected,
    "AVERAGE_POOL_2D": pool, "MAX_POOL_2D": pool, "ADD": binary, "MUL": binary,
    "SOFTMAX": softmax, "LOGISTIC": logistic, "MEAN": reduce, "PAD": pad,
    "PADV2": pad, "CONCATENATION": concat, "QUANTIZE": requantize,
    "RELU": requantize, "RELU6": requantize,
    # ---- shape / data movement: shape.py (one strided copy, gather, PACK as concat), resize.py
    **SHAPE_DISPATCH, "RESIZE_NEAREST_NEIGHBOR": resize, "RESIZE_BILINEAR": resize,
    # issue 10, binary and reduction ops (elementwise.py, broadcast_binary.py, reduce.py)
    "SUB": binary, "MAXIMUM": broadcast_binary, "MINIMUM": broadcast_binary,
    "SQUARED_DIFFERENCE": broadcast_binary, "SUM": reduce, "REDUCE_MAX": reduce,
    # activations (activation.py) and L2 normalization (l2norm.py)
    "LEAKY_RELU": lut, "HARD_SWISH": lut, "TANH": lut, "ELU": lut, "PRELU": prelu,
    "L2_NORMALIZATION": l2norm,
    # ---- TRANSPOSE_CONV, BATCH_MATMUL (transpose_conv.py, batch_matmul.py)
    "TRANSPOSE_CONV": transpose_conv, "BATCH_MATMUL": batch_matmul,
    # ---- model I/O: float boundary (QUANTIZE float32 -> int8 is in requantize), ARG_MAX/MIN
    "DEQUANTIZE": dequantize, "ARG_MAX": arg_minmax, "ARG_MIN": arg_minmax,
}

__all__ = ["DISPATCH", "fold_dilated_convs", "lower"]


def _working_copy(g: Graph) -> Graph:
    """A Graph lowering may change (op list, constant data of aliases) without touching
    `g`: new lists; tensors are replaced, not edited, where lowering changes them."""
    return Graph(g.name, list(g.tensors), list(g.ops), list(g.inputs), list(g.outputs))


def lower(g: Graph) -> Program:
    """Lower a validated Graph (see module docstring). `g` itself is left as it is: the
    Program's graph is a copy with the dilated-conv patterns folded."""
    g = _working_copy(g)
    fold_dilated_convs(g)
    low = LowerContext(g)
    layers = []
    shape_only = output_shape_ops(g)
    for op in g.ops:
        if op.index in shape_only:
            continue                      # TRANSPOSE_CONV output-shape arithmetic (unused)
        if op.kind in ALIAS_OPS:
            src = g.t(op.inputs[0])
            if src.is_const:
                out = g.t(op.outputs[0])
                g.tensors[out.index] = dataclasses.replace(out, data=src.data.reshape(out.shape))
                continue
            layers.append(Layer(index=op.index, op=op.kind, inputs=[op.inputs[0]],
                                output=op.outputs[0], alias_of=op.inputs[0]))
            continue
        try:
            lowered = DISPATCH[op.kind](low, op)    # a Layer, or one per output (SPLIT, ...)
        except (ArithmeticError, ValueError) as exc:   # numbers no converter writes
            raise ModelError(f"layer {op.index} {op.kind}: its quantization or options "
                             f"cannot be lowered ({exc}); re-export the model") from None
        for layer in lowered if isinstance(lowered, list) else [lowered]:
            layer.fused = list(op.options.get("fused_ops", []))
            layer.inplace = low.in_place_inputs(layer)
            layers.append(layer)
    return Program(g, layers)
