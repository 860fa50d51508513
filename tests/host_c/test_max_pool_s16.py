"""td_max_pool_s16 is checked with td_avg_pool_s16 in test_avg_pool_s16.py (one builder,
both pools, against TFLite Micro); this file runs those cases for the max pool alone."""
import pytest
from test_avg_pool_s16 import test_int16_pools_match_tflite_micro as _both

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


@pytest.mark.parametrize("x_shape, out_shape, k, stride, padding", [
    ([1, 9, 8, 6], [1, 4, 3, 6], 3, 2, "VALID"), ([1, 5, 7, 2], [1, 5, 7, 2], 2, 1, "SAME")])
def test_int16_max_pool_matches_tflite_micro(x_shape, out_shape, k, stride, padding):
    _both("MAX_POOL_2D", x_shape, out_shape, k, stride, padding, 0)
