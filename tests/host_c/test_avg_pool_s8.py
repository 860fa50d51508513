"""AVERAGE_POOL_2D (td_avg_pool_s8): global, strided, padded (clipped windows on every
side), odd channel counts (scalar tail), bit-exact with TFLite Micro in scalar and
emulated-SIMD builds."""
import pytest

from kernel_cases import assert_bit_exact, assert_clean_under_sanitizers, flavours

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

CASES = ["avgpool_global_c5", "avgpool_global_c64", "avgpool_s1_same_c6",
         "avgpool_2x2_valid_c3", "pool_avg"]


@flavours
@pytest.mark.parametrize("name", CASES)
def test_bit_exact(name, flags):
    assert_bit_exact(name, flags)


@flavours
@pytest.mark.parametrize("name", ["avgpool_s1_same_c6", "avgpool_global_c5"])
def test_clean_under_asan_and_ubsan(name, flags):
    assert_clean_under_sanitizers(name, flags)
