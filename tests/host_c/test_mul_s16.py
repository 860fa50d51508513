"""Bit-exactness of td_mul_s16 (MUL in 16x8 models), built without TensorFlow, against
TFLite Micro: same shapes, a per-channel vector, and a fused RELU."""
import pytest
from test_add_s16 import check

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


@pytest.mark.parametrize("a, b, out, sa, sb, so, act", [
    ([1, 5, 64], [1, 5, 64], [1, 5, 64], 0.0006, 0.0008, 0.01, "NONE"),
    ([1, 4, 16], [16], [1, 4, 16], 0.013, 0.0001, 0.03, "NONE"),
    ([2, 3, 8], [2, 1, 8], [2, 3, 8], 0.002, 0.003, 0.1, "RELU")])
def test_mul_int16_matches_tflite_micro(a, b, out, sa, sb, so, act):
    check("MUL", a, b, out, sa, sb, so, act)
