"""DEPTHWISE_CONV_2D: the 3x3 fast kernel (td_depthwise_conv2d_3x3_s8) on every shape it
specializes (interior/border pixels, tail channels, strides 1 and 2, padding on each side,
inputs with no interior row or column, clamped activations) and the general kernel
(td_depthwise_conv2d_s8) on what falls back to it, bit-exact with TFLite Micro in scalar
and emulated-SIMD builds."""
import pytest

from kernel_cases import assert_bit_exact, assert_clean_under_sanitizers, flavours, kernels

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

FAST = "td_depthwise_conv2d_3x3_s8"
GENERAL = "td_depthwise_conv2d_s8"
CASES = {
    "dw3_same_c4": FAST, "dw3_same_c5": FAST, "dw3_same_c3": FAST,
    "dw3_same_c7_rows2": FAST, "dw3_same_c8_col1": FAST, "dw3_s2_same_c12_even": FAST,
    "dw3_s2_same_c7_odd": FAST, "dw3_valid_relu_c16": FAST, "dw3_s2_valid_relu6_c6": FAST,
    "dw3_clamped_c4": FAST, "dw_same_relu6": FAST, "dw_s2_same": FAST,
    "dw5_same_c4": GENERAL, "dw3_dm2_same_c3": GENERAL, "dw_dm2_s2_valid": GENERAL,
    "dw_dilated": GENERAL,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_kernel_choice(name):
    assert kernels(name)["DEPTHWISE_CONV_2D"] == {CASES[name]}


@flavours
@pytest.mark.parametrize("name", sorted(CASES))
def test_bit_exact(name, flags):
    assert_bit_exact(name, flags)


@flavours
@pytest.mark.parametrize("name", ["dw3_same_c5", "dw3_same_c7_rows2", "dw3_same_c8_col1", "dw3_s2_same_c7_odd", "dw3_clamped_c4"])
def test_clean_under_asan_and_ubsan(name, flags):
    assert_clean_under_sanitizers(name, flags)
