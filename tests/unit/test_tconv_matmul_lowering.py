"""TRANSPOSE_CONV and BATCH_MATMUL lowering: the planned accumulator scratch, the padding
TFLite Micro derives from the output size, batch broadcasting strides, and one-line
refusals of what the kernels do not take. (Bit-exactness: tests/host_c/test_transpose_conv_s8.py
and test_batch_matmul_s8.py.)"""
import numpy as np
import pytest

from tinydeploy.compiler.codegen import generate
from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.lower.transpose_conv import tconv_padding
from tinydeploy.compiler.planner import scratch_key
from tinydeploy.errors import ModelError

from tflite_builder import build, tensor

pytestmark = pytest.mark.unit


def _tconv(out_shape=(1, 6, 6, 3), shape_const=True, stride=2):
    w = np.ones((3, 3, 3, 2), np.int8)
    shape = np.array([1, 6, 6, 3], np.int32)
    t = [tensor("shape", [4], "int32", data=shape if shape_const else None),
         tensor("w", [3, 3, 3, 2], "int8", [0.01] * 3, [0] * 3, w),
         tensor("x", [1, 3, 3, 2], "int8", 0.05, 3),
         tensor("y", list(out_shape), "int8", 0.1, 5)]
    opts = {"Padding": 0, "StrideH": stride, "StrideW": stride}
    return build(t, [("TRANSPOSE_CONV", [0, 1, 2], [3], ("TransposeConvOptions", opts))],
                 [2], [3])


def _bmm(lhs_shape, rhs_shape, out_shape, adj_y=False):
    t = [tensor("a", lhs_shape, "int8", 0.1, 1), tensor("b", rhs_shape, "int8", 0.2, -3),
         tensor("y", out_shape, "int8", 0.3, 2)]
    return build(t, [("BATCH_MATMUL", [0, 1], [2], ("BatchMatMulOptions", {"AdjY": adj_y}))],
                 [0, 1], [2])


def test_transpose_conv_accumulators_are_a_planned_scratch_buffer():
    c = compile_model(_tconv())
    pos, layer = next((i, la) for i, la in enumerate(c.program.layers) if la.kernel)
    assert layer.kernel == "td_transpose_conv_s8"
    assert layer.scratch == 4 * 6 * 6 * 3
    assert scratch_key(pos) in c.plan.offsets
    text = generate(c.program, c.plan)["model/td_model.c"]
    assert f"(void *)TD_SCRATCH_L{layer.index}" in text


@pytest.mark.parametrize("padding,stride,out,k,want", [
    ("SAME", 2, 10, 3, 0), ("SAME", 3, 9, 5, 1), ("SAME", 1, 7, 3, 1), ("VALID", 3, 14, 5, 0),
    ("SAME", 2, 8, 3, 0), ("SAME", 2, 7, 4, 1)])
def test_transpose_conv_padding_comes_from_the_output_size(padding, stride, out, k, want):
    assert tconv_padding(padding, stride, out, k) == want


def test_transpose_conv_refuses_an_output_shape_other_than_the_output_tensor():
    with pytest.raises(ModelError, match=r"layer 0 TRANSPOSE_CONV: the output shape input"):
        compile_model(_tconv(out_shape=(1, 7, 7, 3)))


def test_transpose_conv_refuses_an_output_shape_no_shape_op_computes():
    # a run-time output shape that no layer writes: the verifier refuses it first
    with pytest.raises(ModelError, match=r"layer 0 TRANSPOSE_CONV reads tensor 0 before any layer"):
        compile_model(_tconv(shape_const=False))


def test_batch_matmul_broadcast_strides():
    c = compile_model(_bmm([2, 1, 4, 5], [3, 5, 6], [2, 3, 4, 6]))
    p = next(la for la in c.program.layers if la.kernel).params
    assert p.n_batch == 6 and p.ndim == 2 and p.dims[:2] == [2, 3]
    assert p.lhs_strides[:2] == [20, 0] and p.rhs_strides[:2] == [0, 30]
    assert (p.rows, p.cols, p.depth, p.lhs_offset, p.rhs_offset) == (4, 6, 5, -1, 3)


def test_batch_matmul_adj_y_reads_the_right_operand_by_rows():
    c = compile_model(_bmm([1, 4, 5], [1, 6, 5], [1, 4, 6], adj_y=True))
    p = next(la for la in c.program.layers if la.kernel).params
    assert (p.cols, p.depth, p.rhs_depth_stride, p.rhs_col_stride) == (6, 5, 1, 5)


def test_batch_matmul_refuses_batch_dims_that_do_not_broadcast():
    with pytest.raises(ModelError, match=r"layer 0 BATCH_MATMUL: batch dimensions"):
        compile_model(_bmm([2, 4, 5], [3, 5, 6], [3, 4, 6]))
