"""Bit-exactness of td_batch_matmul_s8: two activations (and a constant left operand),
adj_x / adj_y, rank 3 and 4, batch broadcasting either way, attention blocks. Each zoo
model of the stem (tests/bitexact.py) against TFLite Micro, with the scalar loops and with
the packed loops of the DSP cores emulated on the host."""
import pytest

from bitexact import stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("batch_matmul_s8", ("BATCH_MATMUL", "td_batch_matmul_s8")))
