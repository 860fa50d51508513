"""Every supported op has one record (compiler/opspec.py) holding a verifier rule that
checks the output shape and, aliases and folded ops aside, a lowering; every kernel stem
a record names has its C function and its bit-exactness test file."""
import re
from pathlib import Path

import numpy as np
import pytest

from tinydeploy.compiler.ir import Graph, Op, Tensor
from tinydeploy.compiler.lower.registry import ALIAS_OPS, SPECS, SUPPORTED_OPS
from tinydeploy.resources import data_dir

from bitexact import STEMS

pytestmark = pytest.mark.unit
KERNELS = data_dir("firmware") / "kernels"
HOST_C = Path(__file__).resolve().parents[1] / "host_c"
FOLDED = {"SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"}     # folded into a dilated conv
# Stems whose bit-exactness is tested in another stem's file, with the reason.
TESTED_WITH = {"quantize_f32_s8": "dequantize_s8_f32"}  # float I/O: both ends of one model
MODEL_STEMS = {"model_blocks", "mlperf_tiny", "model_io", "float_island"}  # not kernels

WIN = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "dilation_h": 1, "dilation_w": 1,
       "activation": "NONE"}
POOL = {"padding": "VALID", "stride_h": 2, "stride_w": 2, "filter_h": 2, "filter_w": 2,
        "activation": "NONE"}
X = [1, 4, 4, 8]


def c(*values):
    """A constant int32 input."""
    return np.asarray(values, np.int32)


# op -> (inputs: a shape or a constant array each, options, output shape(s)): a well-formed
# single-op graph; TRANSPOSE_CONV's input 0 and the descriptors are constants.
CASES = {
    "CONV_2D": ([X, np.ones((6, 3, 3, 8), np.int8), c(*[0] * 6)], WIN, [1, 4, 4, 6]),
    "DEPTHWISE_CONV_2D": ([X, np.ones((1, 3, 3, 8), np.int8), c(*[0] * 8)],
                          {**WIN, "depth_multiplier": 1}, X),
    "FULLY_CONNECTED": ([[1, 8], np.ones((5, 8), np.int8), c(*[0] * 5)],
                        {"activation": "NONE", "keep_num_dims": False}, [1, 5]),
    "AVERAGE_POOL_2D": ([X], POOL, [1, 2, 2, 8]),
    "MAX_POOL_2D": ([X], POOL, [1, 2, 2, 8]),
    **{op: ([X, [1, 1, 1, 8]], {"activation": "NONE"}, X)
       for op in ("ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE", "PRELU")},
    **{op: ([[1, 8]], {"beta": 1.0}, [1, 8])
       for op in ("SOFTMAX", "LOGISTIC", "RELU", "RELU6", "QUANTIZE", "DEQUANTIZE", "TANH",
                  "LEAKY_RELU", "HARD_SWISH", "ELU", "L2_NORMALIZATION", "SQUEEZE", "ABS",
                  "RSQRT", "LOG_SOFTMAX", "GELU")},
    "RESHAPE": ([[1, 8], c(2, 4)], {}, [2, 4]),
    "EXPAND_DIMS": ([[8], c(0)], {}, [1, 8]),
    **{op: ([X, c(1, 2)], {"keep_dims": False}, [1, 8]) for op in ("MEAN", "SUM", "REDUCE_MAX")},
    "ARG_MAX": ([[1, 8], c(1)], {}, [1]),
    "ARG_MIN": ([[2, 8], c(0)], {}, [8]),
    "PAD": ([X, c(0, 0, 1, 1, 1, 1, 0, 0).reshape(4, 2)], {}, [1, 6, 6, 8]),
    "PADV2": ([X, c(0, 0, 1, 0, 0, 1, 0, 0).reshape(4, 2), np.zeros((1,), np.int8)], {},
              [1, 5, 5, 8]),
    "MIRROR_PAD": ([X, c(0, 0, 1, 2, 2, 1, 0, 0).reshape(4, 2)], {"mode": "REFLECT"},
                   [1, 7, 7, 8]),
    "CONCATENATION": ([X, X], {"axis": 3, "activation": "NONE"}, [1, 4, 4, 16]),
    "SPACE_TO_BATCH_ND": ([X, c(2, 2), c(0, 0, 0, 0).reshape(2, 2)], {}, [4, 2, 2, 8]),
    "BATCH_TO_SPACE_ND": ([[4, 2, 2, 8], c(2, 2), c(0, 0, 0, 0).reshape(2, 2)], {}, X),
    "TRANSPOSE": ([[1, 4, 6, 8], c(0, 3, 1, 2)], {}, [1, 8, 4, 6]),
    "STRIDED_SLICE": ([X, c(0, 1, 0, 0), c(1, 3, 4, 8), c(1, 1, 2, 1)],
                      {"begin_mask": 0, "end_mask": 0, "shrink_axis_mask": 0}, [1, 2, 2, 8]),
    "SLICE": ([X, c(0, 1, 1, 0), c(1, 2, -1, 8)], {}, [1, 2, 3, 8]),
    "SPLIT": ([c(3), X], {"num_splits": 2}, [[1, 4, 4, 4], [1, 4, 4, 4]]),
    "SPLIT_V": ([X, c(3, 5), c(3)], {"num_splits": 2}, [[1, 4, 4, 3], [1, 4, 4, 5]]),
    "PACK": ([[4, 8], [4, 8]], {"axis": 0, "values_count": 2}, [2, 4, 8]),
    "UNPACK": ([[2, 4, 8]], {"axis": 0, "num": 2}, [[4, 8], [4, 8]]),
    "GATHER": ([X, c(7, 0, 2)], {"axis": 3, "batch_dims": 0}, [1, 4, 4, 3]),
    "REVERSE_V2": ([X, c(1, 2)], {}, X),
    "DEPTH_TO_SPACE": ([[1, 2, 2, 8]], {"block_size": 2}, [1, 4, 4, 2]),
    "SPACE_TO_DEPTH": ([[1, 4, 4, 2]], {"block_size": 2}, [1, 2, 2, 8]),
    **{op: ([[1, 2, 2, 8], c(4, 4)], {"align_corners": False, "half_pixel_centers": False},
            [1, 4, 4, 8]) for op in ("RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR")},
    "TRANSPOSE_CONV": ([c(1, 8, 8, 6), np.ones((6, 3, 3, 8), np.int8), X, c(*[0] * 6)],
                       {"padding": "SAME", "stride_h": 2, "stride_w": 2,
                        "activation": "NONE"}, [1, 8, 8, 6]),
    "BATCH_MATMUL": ([[2, 4, 8], [2, 8, 5]], {"adj_x": False, "adj_y": False}, [2, 4, 5]),
}


def _graph(op: str, damaged: bool) -> tuple[Graph, Op]:
    ins, options, outs = CASES[op]
    outs = outs if isinstance(outs[0], list) else [outs]
    tensors = []
    for v in ins:
        data = v if isinstance(v, np.ndarray) else None
        shape = tuple(v.shape) if data is not None else tuple(v)
        dtype = str(data.dtype) if data is not None else "int8"
        tensors.append(Tensor(len(tensors), f"t{len(tensors)}", shape, dtype, None, data))
    for k, shape in enumerate(outs):
        shape = list(shape[:-1]) + [shape[-1] + 1] if damaged and k == 0 else shape
        tensors.append(Tensor(len(tensors), f"t{len(tensors)}", tuple(shape), "int8"))
    node = Op(0, op, list(range(len(ins))), list(range(len(ins), len(tensors))), options)
    return Graph("g", tensors, [node], [], []), node


def test_every_supported_op_has_one_record_and_a_case_here():
    assert set(SPECS) == SUPPORTED_OPS == set(CASES)
    assert all(name == spec.name for name, spec in SPECS.items())


@pytest.mark.parametrize("op", sorted(SUPPORTED_OPS))
def test_the_rule_accepts_a_well_formed_op_and_reports_a_damaged_output_shape(op):
    rule = SPECS[op].verify
    assert rule(*_graph(op, damaged=False)) == []
    found = rule(*_graph(op, damaged=True))
    assert found and all("output" in p for p in found), found


@pytest.mark.parametrize("op", sorted(SUPPORTED_OPS))
def test_every_op_is_lowered_aliased_or_folded(op):
    spec = SPECS[op]
    if spec.lower is None:
        assert op in ALIAS_OPS | FOLDED and not spec.kernels
    else:
        assert spec.kernels and not spec.alias, op


def _defined_functions() -> set[str]:
    return {name for f in KERNELS.glob("*.c")
            for name in re.findall(r"^void\s+(td_\w+)\s*\(", f.read_text(), flags=re.M)}


@pytest.mark.parametrize("stem", sorted({k for s in SPECS.values() for k in s.kernels}))
def test_every_kernel_stem_has_its_c_function_and_test_file(stem):
    assert f"td_{stem}" in _defined_functions()
    assert (HOST_C / f"test_{TESTED_WITH.get(stem, stem)}.py").is_file()


def test_every_bit_exactness_stem_is_a_kernel_of_some_record():
    named = {k for s in SPECS.values() for k in s.kernels}
    assert set(STEMS) - MODEL_STEMS <= named
