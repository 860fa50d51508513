"""Bit-exactness of td_add_s8: the table fast path without broadcast (flat, tails of 1-3
elements) and with broadcast (merged dimensions, inner runs). Each zoo model of the stem
(tests/bitexact.py) against its oracle, with the scalar loops and with the packed loops of
the DSP cores emulated on the host."""
import pytest

from bitexact import (
    SANITIZED,
    check_bit_exact,
    check_clean_under_asan_and_ubsan,
    flavours,
    kernels,
    models,
)

pytestmark = [pytest.mark.tf, pytest.mark.host_c]
STEM = "add_s8"


@flavours
@pytest.mark.parametrize("name", models(STEM))
def test_bit_exact(name, flags):
    check_bit_exact(name, flags)


@flavours
@pytest.mark.parametrize("name", models(STEM, SANITIZED))
def test_kernels_clean_under_asan_and_ubsan(name, flags):
    check_clean_under_asan_and_ubsan(name, flags)


@pytest.mark.parametrize("name", models(STEM))
def test_kernel_choice(name):
    assert "td_add_s8" in kernels(name)["ADD"]
