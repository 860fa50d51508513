"""Bit-exactness of td_depthwise_conv2d_s8, the general DEPTHWISE_CONV_2D (other filter sizes,
depth multipliers, dilation). Each zoo model of the stem (tests/bitexact.py) against its
oracle, with the scalar loops and with the packed loops of the DSP cores emulated on the
host."""
import pytest

from bitexact import (
    DOCUMENTED_EXCEPTIONS,
    SANITIZED,
    check_bit_exact,
    check_clean_under_asan_and_ubsan,
    check_documented_exception_differs_from_tflite_micro,
    flavours,
    kernels,
    models,
)

pytestmark = [pytest.mark.tf, pytest.mark.host_c]
STEM = "depthwise_conv2d_s8"


@flavours
@pytest.mark.parametrize("name", models(STEM))
def test_bit_exact(name, flags):
    check_bit_exact(name, flags)


@pytest.mark.parametrize("name", models(STEM, DOCUMENTED_EXCEPTIONS))
def test_documented_exceptions_really_differ_from_tflite_micro(name):
    check_documented_exception_differs_from_tflite_micro(name)


@flavours
@pytest.mark.parametrize("name", models(STEM, SANITIZED))
def test_kernels_clean_under_asan_and_ubsan(name, flags):
    check_clean_under_asan_and_ubsan(name, flags)


@pytest.mark.parametrize("name", models(STEM))
def test_kernel_choice(name):
    assert "td_depthwise_conv2d_s8" in kernels(name)["DEPTHWISE_CONV_2D"]
