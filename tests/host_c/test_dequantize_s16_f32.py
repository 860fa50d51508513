"""Bit-exactness of td_dequantize_s16_f32 (a 16x8 model's float output): an int16 model
ending in DEQUANTIZE, int16 values over the whole range at several scales, the float bytes
compared with TFLite Micro's."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model

from bitexact import assert_same, run_ours
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


@pytest.mark.parametrize("scale, zp", [(0.000123, 0), (3.1e-5, 0), (0.7, 0), (0.002, 17)])
def test_int16_dequantize_matches_tflite_micro(scale, zp):
    buf = build([tensor("x", [1, 4096], "int16", scale, zp), tensor("y", [1, 4096], "float32")],
                [("DEQUANTIZE", [0], [1])], [0], [1])
    assert [la.kernel for la in compile_model(buf).program.layers] == ["td_dequantize_s16_f32"]
    x = np.random.default_rng(4).integers(-32768, 32768, (1, 4096)).astype(np.int16)
    assert_same(run_ours(buf, [x]), run_tflm(buf, [x]))
