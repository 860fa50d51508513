"""Bit-exactness of td_leaky_relu_s16 (LEAKY_RELU in 16x8 models), built without TensorFlow:
int16 inputs over the whole range and around zero, at quantizations where combining the
scales in float and in double gives different multipliers, against TFLite Micro."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model

from bitexact import run_ours
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


def model(alpha, s_in, s_out, n=4096) -> bytes:
    tensors = [tensor("x", [1, n], "int16", s_in, 0), tensor("y", [1, n], "int16", s_out, 0)]
    return build(tensors, [("LEAKY_RELU", [0], [1], ("LeakyReluOptions", {"Alpha": alpha}))],
                 [0], [1])


@pytest.mark.parametrize("alpha, s_in, s_out", [
    (0.3, 0.014214295893907547, 0.005958845838904381),   # SEANet: float and double differ
    (0.2, 0.0005, 0.0004), (1.7, 0.001, 0.003), (-0.5, 0.002, 0.001), (0.01, 3e-5, 3e-5)])
def test_int16_inputs_match_tflite_micro(alpha, s_in, s_out):
    buf = model(alpha, s_in, s_out)
    assert [la.kernel for la in compile_model(buf).program.layers] == ["td_leaky_relu_s16"]
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.integers(-32768, 32768, 3584), np.arange(-256, 256)])
    x = x.astype(np.int16).reshape(1, -1)
    ours = run_ours(buf, [x])[0]
    ref = run_tflm(buf, [x])
    np.testing.assert_array_equal(ours, np.asarray(ref[0]).reshape(ours.shape))
    assert len(np.unique(ours)) > 1000
