"""MAX_POOL_2D (td_max_pool_s8): strided, padded (clipped windows on every side), odd
channel counts (scalar tail), bit-exact with TFLite Micro in scalar and emulated-SIMD
builds."""
import pytest

from kernel_cases import assert_bit_exact, assert_clean_under_sanitizers, flavours

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

CASES = ["maxpool_s1_same_c6", "maxpool_2x2_valid_c5", "pool_max"]


@flavours
@pytest.mark.parametrize("name", CASES)
def test_bit_exact(name, flags):
    assert_bit_exact(name, flags)


@flavours
@pytest.mark.parametrize("name", ["maxpool_s1_same_c6", "maxpool_2x2_valid_c5"])
def test_clean_under_asan_and_ubsan(name, flags):
    assert_clean_under_sanitizers(name, flags)
