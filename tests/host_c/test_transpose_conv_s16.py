"""Bit-exactness of td_transpose_conv_s16 (TRANSPOSE_CONV in 16x8 models: int16 activations,
per-channel int8 weights, int64 bias), built without TensorFlow, against TFLite Micro: the
output shape as a constant, and as an int32 model input (as TFLite Micro's SEANet tests give
it: loaded, never read)."""
import numpy as np
import pytest

from int16_models import tconv_model
from tinydeploy.compiler.compiled import compile_model

from bitexact import run_ours
from oracle import run_tflm

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


@pytest.mark.parametrize("shape_as_input", [False, True])
@pytest.mark.parametrize("x, w, out, stride, padding", [
    ([1, 1, 5, 8], [6, 3, 4, 8], [1, 3, 12, 6], (1, 2), "VALID"),
    ([1, 4, 4, 3], [5, 3, 3, 3], [1, 8, 8, 5], (2, 2), "SAME")])
def test_int16_transpose_conv_matches_tflite_micro(x, w, out, stride, padding, shape_as_input):
    buf = tconv_model(x, w, out, stride, padding, shape_as_input)
    assert [la.kernel for la in compile_model(buf).program.layers] == ["td_transpose_conv_s16"]
    xi = np.random.default_rng(1).integers(-32768, 32768, x).astype(np.int16)
    xs = ([np.array([out], np.int32)] if shape_as_input else []) + [xi]
    ours = run_ours(buf, xs)[0]
    np.testing.assert_array_equal(ours, np.asarray(run_tflm(buf, xs)[0]).reshape(ours.shape))
    assert len(np.unique(ours)) > ours.size // 8
