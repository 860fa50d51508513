"""Bit-exactness of td_requantize_s16 (QUANTIZE between int8 and int16 and within int16),
built without TensorFlow: every int8 value, or int16 values over the whole range, at scales
that widen, narrow and saturate, against TFLite Micro."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model

from bitexact import run_ours
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


@pytest.mark.parametrize("din, qin, dout, qout", [
    ("int8", (0.05, -3), "int16", (0.0004, 0)),
    ("int8", (0.02, 10), "int16", (0.5, 0)),
    ("int16", (0.0005, 0), "int8", (0.03, 4)),
    ("int16", (0.0001, 0), "int16", (0.00013, 0)),
    ("int16", (0.002, 0), "int16", (0.00003, 0))])
def test_quantize_with_an_int16_side_matches_tflite_micro(din, qin, dout, qout):
    n = 256 if din == "int8" else 4096
    buf = build([tensor("x", [1, n], din, *qin), tensor("y", [1, n], dout, *qout)],
                [("QUANTIZE", [0], [1])], [0], [1])
    assert [la.kernel for la in compile_model(buf).program.layers] == ["td_requantize_s16"]
    if din == "int8":
        x = np.arange(-128, 128).astype(np.int8).reshape(1, n)
    else:
        x = np.random.default_rng(3).integers(-32768, 32768, (1, n)).astype(np.int16)
    ours = run_ours(buf, [x])[0]
    np.testing.assert_array_equal(ours, np.asarray(run_tflm(buf, [x])[0]).reshape(ours.shape))
