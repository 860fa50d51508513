"""Bit-exactness of td_avg_pool_s16 and td_max_pool_s16 (pools in 16x8 models), built
without TensorFlow: VALID and SAME windows (clipped at the borders), strides, a fused
RELU, int16 inputs over the whole range, against TFLite Micro."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model

from bitexact import run_ours
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


def pool_model(op, x_shape, out_shape, k, stride, padding, act=0, so=0.001) -> bytes:
    tensors = [tensor("x", x_shape, "int16", 0.001, 0), tensor("y", out_shape, "int16", so, 0)]
    opts = ("Pool2DOptions", {"Padding": {"SAME": 0, "VALID": 1}[padding], "StrideW": stride,
                              "StrideH": stride, "FilterWidth": k, "FilterHeight": k,
                              "FusedActivationFunction": act})
    return build(tensors, [(op, [0], [1], opts)], [0], [1])


@pytest.mark.parametrize("op", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@pytest.mark.parametrize("x_shape, out_shape, k, stride, padding, act", [
    ([1, 7, 6, 5], [1, 3, 3, 5], 2, 2, "VALID", 0),
    ([1, 7, 6, 3], [1, 4, 3, 3], 3, 2, "SAME", 0),
    ([2, 5, 5, 4], [2, 5, 5, 4], 3, 1, "SAME", 1)])
def test_int16_pools_match_tflite_micro(op, x_shape, out_shape, k, stride, padding, act):
    buf = pool_model(op, x_shape, out_shape, k, stride, padding, act)
    kernel = "td_avg_pool_s16" if op == "AVERAGE_POOL_2D" else "td_max_pool_s16"
    assert [la.kernel for la in compile_model(buf).program.layers] == [kernel]
    x = np.random.default_rng(2).integers(-32768, 32768, [1] + x_shape).astype(np.int16)
    ours = run_ours(buf, [x])[0]
    np.testing.assert_array_equal(ours, np.asarray(run_tflm(buf, [x])[0]).reshape(ours.shape))
