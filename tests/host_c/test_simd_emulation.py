"""The packed (SMLAD) inner loops that DSP cores run, compiled on the host with their
portable twins (-DTD_SIMD_EMULATE=1): every zoo model gives the reference oracle's int8
outputs bit for bit, as the scalar loops do in test_zoo_bitexact.py. QEMU tests prove the
real instructions on Cortex-M4/M7/M33."""
import numpy as np
import pytest

import zoo
from test_zoo_bitexact import _oracle, _run_ours

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

SIMD = ["-DTD_SIMD_EMULATE=1"]


@pytest.mark.parametrize("name", sorted(zoo.MODELS))
def test_bit_exact_with_simd_loops(name):
    path = zoo.tflite_path(name)
    x = zoo.random_inputs(path, 16, seed=7)
    ours = _run_ours(path, x, SIMD)
    np.testing.assert_array_equal(ours, _oracle(name)(path, x).reshape(ours.shape))


@pytest.mark.parametrize("name", ["conv_same_asym", "conv_1x1", "fc_3d", "dw_s2_same",
                                  "add_broadcast", "pool_avg"])
def test_simd_loops_clean_under_asan_and_ubsan(name):
    path = zoo.tflite_path(name)
    x = zoo.random_inputs(path, 8, seed=11)
    ours = _run_ours(path, x, SIMD + ["-fsanitize=address,undefined",
                                      "-fno-sanitize-recover=all", "-g", "-O1"])
    np.testing.assert_array_equal(ours, _oracle(name)(path, x).reshape(ours.shape))
