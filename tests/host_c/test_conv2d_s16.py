"""Bit-exactness of td_conv2d_s16 (CONV_2D in 16x8 models: int16 activations, per-channel
int8 weights, int64 bias), built without TensorFlow: strides, padding, dilation, a grouped
convolution, no bias and a fused RELU, int16 inputs over the whole range, against TFLite
Micro."""
import numpy as np
import pytest

from int16_models import conv_model
from tinydeploy.compiler.compiled import compile_model

from bitexact import run_ours
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


CASES = {
    "7x7_valid": ([1, 8, 20, 2], [8, 7, 7, 2], [1, 2, 14, 8], {}),
    "3x3_same_s2": ([1, 9, 10, 4], [6, 3, 3, 4], [1, 5, 5, 6], {"stride": 2, "padding": "SAME"}),
    "dilated": ([1, 9, 9, 3], [4, 3, 3, 3], [1, 5, 5, 4], {"dil": 2}),
    "grouped": ([1, 5, 6, 4], [6, 3, 3, 2], [1, 3, 4, 6], {}),
    "no_bias_relu": ([1, 6, 7, 5], [3, 1, 2, 5], [1, 6, 6, 3], {"bias": False, "act": 1}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_int16_conv_matches_tflite_micro(case):
    x_shape, w_shape, out_shape, kw = CASES[case]
    buf = conv_model(x_shape, w_shape, out_shape, **kw)
    assert [la.kernel for la in compile_model(buf).program.layers] == ["td_conv2d_s16"]
    x = np.random.default_rng(1).integers(-32768, 32768, x_shape).astype(np.int16)
    ours = run_ours(buf, [x])[0]
    np.testing.assert_array_equal(ours, np.asarray(run_tflm(buf, [x])[0]).reshape(ours.shape))
    assert len(np.unique(ours)) > ours.size // 8


@pytest.mark.parametrize("per_channel", [False, True])
def test_int16_fully_connected_runs_as_a_1x1_convolution_exactly(per_channel):
    """TFLM's int16 FullyConnected (int64 bias) lowered onto td_conv2d_s16: 3 batches."""
    rng = np.random.default_rng(8)
    w = rng.integers(-127, 128, (12, 40)).astype(np.int8)
    ws = (rng.uniform(0.002, 0.02, 12) if per_channel else np.full(1, 0.01)).astype(np.float32)
    b = rng.integers(-2**20, 2**20, 12).astype(np.int64)
    tensors = [tensor("x", [3, 40], "int16", 0.0009, 0),
               tensor("w", [12, 40], "int8", ws, np.zeros(ws.size, np.int64), w),
               tensor("b", [12], "int64", ws * 0.0009, np.zeros(ws.size, np.int64), b),
               tensor("y", [3, 12], "int16", 0.003, 0)]
    buf = build(tensors, [("FULLY_CONNECTED", [0, 1, 2], [3])], [0], [3])
    assert [la.kernel for la in compile_model(buf).program.layers] == ["td_conv2d_s16"]
    x = rng.integers(-32768, 32768, (1, 3, 40)).astype(np.int16)
    ours = run_ours(buf, [x])[0]
    np.testing.assert_array_equal(ours, np.asarray(run_tflm(buf, [x])[0]).reshape(ours.shape))
    assert len(np.unique(ours)) > 20
