"""Bit-exactness of td_transpose_conv_s8: SAME/VALID, strides 1/2/3 (and unequal), odd and
even kernels, with and without bias, fused RELU/RELU6, output_padding, Conv1DTranspose and
a U-Net-style skip. Each zoo model of the stem (tests/bitexact.py) against TFLite Micro,
with the scalar loops and with the packed loops of the DSP cores emulated on the host."""
import numpy as np
import pytest

from bitexact import SANITIZE, run_ours, stem_tests
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("transpose_conv_s8", ("TRANSPOSE_CONV", "td_transpose_conv_s8")))


def _hand_built(act: int, w_scale, stride: int, padding: int) -> bytes:
    """A TRANSPOSE_CONV the converter does not produce: output zero point 5 with a wide
    output range (the fused activation clamps inside the int8 range), or per-tensor
    weights."""
    rng = np.random.default_rng(act + 3 * stride)
    w = rng.integers(-127, 128, (3, 3, 3, 2)).astype(np.int8)
    oh = 3 * stride if padding == 0 else 2 * stride + 3
    t = [tensor("shape", [4], "int32", data=np.array([1, oh, oh, 3], np.int32)),
         tensor("w", [3, 3, 3, 2], "int8", w_scale, [0] * np.size(w_scale), w),
         tensor("x", [1, 3, 3, 2], "int8", 0.05, 3),
         tensor("b", [3], "int32", None, None, np.array([100, -200, 50], np.int32)),
         tensor("y", [1, oh, oh, 3], "int8", 0.1, 5)]
    opts = {"Padding": padding, "StrideH": stride, "StrideW": stride,
            "FusedActivationFunction": act}
    return build(t, [("TRANSPOSE_CONV", [0, 1, 2, 3], [4], ("TransposeConvOptions", opts))],
                 [2], [4])


@pytest.mark.parametrize("act,w_scale,stride,padding", [
    (1, [0.01, 0.02, 0.015], 2, 0), (3, [0.01, 0.02, 0.015], 3, 1), (0, 0.012, 2, 1)],
    ids=["relu_s2_same", "relu6_s3_valid", "per_tensor_weights_s2_valid"])
def test_hand_built_activation_and_per_tensor_weights(tmp_path, act, w_scale, stride, padding):
    path = tmp_path / "tconv.tflite"
    path.write_bytes(_hand_built(act, w_scale, stride, padding))
    x = np.random.default_rng(1).integers(-128, 128, (8, 3, 3, 2)).astype(np.int8)
    ours = run_ours(path, x, SANITIZE)
    ref = run_tflm(path, x).reshape(ours.shape)
    np.testing.assert_array_equal(ours, ref)
    if act:      # the clamp is visible: the activation's lower bound is the zero point 5
        assert ours.min() == 5
