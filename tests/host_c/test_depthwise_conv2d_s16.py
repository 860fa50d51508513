"""Bit-exactness of td_depthwise_conv2d_s16 (DEPTHWISE_CONV_2D in 16x8 models), built
without TensorFlow: 3x3 SAME, stride 2, a depth multiplier, dilation, against TFLite Micro."""
import numpy as np
import pytest

from int16_models import dw_model
from tinydeploy.compiler.compiled import compile_model

from bitexact import run_ours
from oracle import run_tflm

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

CASES = {
    "3x3_same": ([1, 6, 7, 8], 3, 1, [1, 6, 7, 8], {"padding": "SAME"}),
    "3x3_s2": ([1, 9, 9, 5], 3, 1, [1, 4, 4, 5], {"stride": 2}),
    "dm2": ([1, 5, 6, 3], 3, 2, [1, 3, 4, 6], {}),
    "dilated": ([1, 9, 9, 4], 3, 1, [1, 5, 5, 4], {"dil": 2}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_int16_depthwise_matches_tflite_micro(case):
    x_shape, k, mult, out_shape, kw = CASES[case]
    buf = dw_model(x_shape, k, mult, out_shape, **kw)
    assert [la.kernel for la in compile_model(buf).program.layers] == ["td_depthwise_conv2d_s16"]
    x = np.random.default_rng(1).integers(-32768, 32768, x_shape).astype(np.int16)
    ours = run_ours(buf, [x])[0]
    np.testing.assert_array_equal(ours, np.asarray(run_tflm(buf, [x])[0]).reshape(ours.shape))
    assert len(np.unique(ours)) > ours.size // 8
