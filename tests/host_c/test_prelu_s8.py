"""Bit-exactness of td_prelu_s8 (PRELU, alpha a constant broadcast onto the input: Keras PReLU and its shared_axes). Each zoo model of the stem (tests/bitexact.py) against TFLite
Micro, with the scalar loops and with the packed loops of the DSP cores emulated on the
host."""
import pytest

from bitexact import stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("prelu_s8"))
