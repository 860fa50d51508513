"""Bit-exactness of td_copy_nd_s8, the one strided copy behind TRANSPOSE, SLICE,
STRIDED_SLICE (negative strides, masks, shrink), SPLIT, SPLIT_V, UNPACK, DEPTH_TO_SPACE and
SPACE_TO_DEPTH (and PACK, lowered to td_concat_s8, in the unstack/stack models). Each zoo model of the stem (tests/bitexact.py) against TFLite
Micro, with the scalar loops and with the packed loops of the DSP cores emulated."""
import pytest

from bitexact import stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("copy_nd_s8"))
