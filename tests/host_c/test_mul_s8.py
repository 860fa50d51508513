"""MUL (td_mul_s8): same shape and broadcast, bit-exact with TFLite Micro."""
import pytest

from kernel_cases import assert_bit_exact, flavours

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


@flavours
@pytest.mark.parametrize("name", ["mul_same_shape", "mul_se"])
def test_bit_exact(name, flags):
    assert_bit_exact(name, flags)
