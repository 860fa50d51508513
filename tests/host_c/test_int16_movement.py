"""Data movement in 16x8 models: STRIDED_SLICE, SLICE, TRANSPOSE, PAD and CONCATENATION on
int16 tensors run on the byte kernels (td_copy_nd_s8, td_pad_s8, td_concat_s8) with each
element's two bytes as one more dimension; built without TensorFlow, against TFLite Micro."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.errors import ModelError

from bitexact import run_ours
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

X = [1, 5, 7, 3]


def i32(*v):
    return np.array(v, np.int32)


def one_op(op, consts, out_shape, options=None, zp=0):
    tensors = [tensor("x", X, "int16", 0.001, zp), tensor("y", out_shape, "int16", 0.001, zp)]
    ins = [0]
    for c in consts:
        tensors.append(tensor(f"c{len(tensors)}", list(c.shape), "int32", data=c))
        ins.append(len(tensors) - 1)
    spec = (op, ins, [1], options) if options else (op, ins, [1])
    return build(tensors, [spec], [0], [1])


CASES = {
    "strided_slice": ("STRIDED_SLICE", [i32(0, 1, 6, 0), i32(1, 5, 0, 3), i32(1, 2, -2, 1)],
                      [1, 2, 3, 3], ("StridedSliceOptions", {})),
    "slice": ("SLICE", [i32(0, 1, 2, 1), i32(1, 3, 4, 2)], [1, 3, 4, 2], None),
    "transpose": ("TRANSPOSE", [i32(0, 3, 1, 2)], [1, 3, 5, 7], None),
    "pad": ("PAD", [i32(0, 0, 1, 2, 0, 3, 1, 0).reshape(4, 2)], [1, 8, 10, 4], None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_int16_data_movement_matches_tflite_micro(case):
    op, consts, out_shape, options = CASES[case]
    buf = one_op(op, consts, out_shape, options)
    compile_model(buf)
    x = np.random.default_rng(2).integers(-32768, 32768, X).astype(np.int16)
    ours = run_ours(buf, [x])[0]
    np.testing.assert_array_equal(ours, np.asarray(run_tflm(buf, [x])[0]).reshape(ours.shape))


def test_an_int16_pad_with_a_nonzero_fill_is_refused():
    with pytest.raises(ModelError, match="not supported yet: an int16 fill value of 7"):
        compile_model(one_op("PAD", [i32(0, 0, 1, 0, 0, 0, 0, 0).reshape(4, 2)],
                             [1, 6, 7, 3], zp=7))


def test_int16_concatenation_matches_tflite_micro():
    tensors = [tensor("a", [1, 4, 3, 2], "int16", 0.001, 0),
               tensor("b", [1, 4, 3, 5], "int16", 0.001, 0),
               tensor("y", [1, 4, 3, 7], "int16", 0.001, 0)]
    buf = build(tensors, [("CONCATENATION", [0, 1], [2],
                           ("ConcatenationOptions", {"Axis": 3}))], [0, 1], [2])
    rng = np.random.default_rng(5)
    xs = [rng.integers(-32768, 32768, s).astype(np.int16) for s in ([1, 4, 3, 2], [1, 4, 3, 5])]
    ours = run_ours(buf, xs)[0]
    np.testing.assert_array_equal(ours, np.asarray(run_tflm(buf, xs)[0]).reshape(ours.shape))
