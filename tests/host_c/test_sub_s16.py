"""Bit-exactness of td_sub_s16 (SUB in 16x8 models), built without TensorFlow, against
TFLite Micro: the shapes of TFLite Micro's SEANet tests (a per-channel vector input) and
scales whose multipliers differ when formed in float and in double."""
import pytest
from test_add_s16 import check

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


@pytest.mark.parametrize("a, b, out, sa, sb, so", [
    ([1, 2, 12, 64], [64], [1, 2, 12, 64], 0.000969, 9e-06, 0.00098),
    ([1, 2, 82, 16], [16], [1, 2, 82, 16], 0.013618, 8e-06, 0.0136),
    ([1, 6, 10], [1, 6, 10], [1, 6, 10], 0.001, 0.0007, 0.0015)])
def test_sub_int16_matches_tflite_micro(a, b, out, sa, sb, so):
    check("SUB", a, b, out, sa, sb, so)
