"""Bit-exactness of td_copy_nd_s8, the one strided copy behind TRANSPOSE, SLICE,
STRIDED_SLICE (negative strides, masks, shrink), SPLIT, SPLIT_V, UNPACK, DEPTH_TO_SPACE,
SPACE_TO_DEPTH and REVERSE_V2 (and PACK, lowered to td_concat_s8, in the unstack/stack
models). Each zoo model of the stem (tests/bitexact.py) against TFLite Micro, with the
scalar loops and with the packed loops of the DSP cores emulated; REVERSE_V2 on hand-built
models the converter does not give (every axis, 5-D, a 1-D input) against TFLite Micro; and
the REVERSE_V2 axis lists TFLite Micro does not run, refused as not supported."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.errors import ModelError

from bitexact import run_ours, stem_tests
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("copy_nd_s8"))


def _reverse_model(shape, axes) -> bytes:
    tensors = [tensor("x", shape, "int8", 0.1, 2),
               tensor("axis", [len(axes)], "int32", data=np.asarray(axes, np.int32)),
               tensor("y", shape, "int8", 0.1, 2)]
    return build(tensors, [("REVERSE_V2", [0, 1], [2])], [0], [2])


@pytest.mark.parametrize("shape,axes", [([1, 3, 4, 5], [3, 1, 0, 2]), ([2, 3, 2, 4, 3], [2, 1, 3]),
                                        ([7], [-1])])
def test_hand_built_reverse_matches_tflite_micro(shape, axes):
    buf = _reverse_model(shape, axes)
    x = np.random.default_rng(3).integers(-128, 128, size=[1] + shape, dtype=np.int8)
    ours = run_ours(buf, x)
    np.testing.assert_array_equal(ours.reshape(-1), run_tflm(buf, x).reshape(-1))


@pytest.mark.parametrize("axes", [[1, 3], [2, 2], [0, 3, 1]])
def test_reverse_axes_tflite_micro_does_not_run_are_refused_as_not_supported(axes):
    buf = _reverse_model([1, 3, 4, 5], axes)
    x = np.zeros((1, 3, 4, 5), np.int8)
    with pytest.raises(RuntimeError):       # "Non-contiguous `axes` not supported"
        run_tflm(buf, x)
    with pytest.raises(ModelError, match="not supported yet") as e:
        compile_model(buf)
    assert "malformed" not in str(e.value)
