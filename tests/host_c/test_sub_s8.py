"""Bit-exactness of td_sub_s8: SUB, same shape, broadcasts either way, fused RELU, a
constant operand, and (built by hand) the reference path without tables. Each zoo model
of the stem (tests/bitexact.py) against its oracle, with the scalar loops and with the
packed loops of the DSP cores emulated on the host."""
import numpy as np
import pytest

from tinydeploy.compiler.lower import lower
from tinydeploy.compiler.reader import load_model

import zoo
from bitexact import run_ours, stem_tests
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("sub_s8", ("SUB", "td_sub_s8")))


def _wide_output_sub(act: int) -> bytes:
    """x - c with an output scale 80x the inputs': the output requantization shifts right
    by more than 24, so td_sub_s8 takes its reference path (no tables)."""
    c = np.array([-90, 7, 120], np.int8).reshape(1, 1, 1, 3)
    t = [tensor("x", [1, 4, 6, 3], "int8", 0.5, 3), tensor("c", [1, 1, 1, 3], "int8", 0.45, -2, c),
         tensor("y", [1, 4, 6, 3], "int8", 40.0, -1)]
    return build(t, [("SUB", [0, 1], [2], ("SubOptions", {"FusedActivationFunction": act}))],
                 [0], [2])


@pytest.mark.parametrize("act", [0, 1], ids=["none", "relu"])
def test_reference_path_bit_exact(tmp_path, act):
    path = tmp_path / "sub_wide.tflite"
    path.write_bytes(_wide_output_sub(act))
    layer = next(la for la in lower(load_model(path)).layers if la.op == "SUB")
    assert layer.kernel == "td_sub_s8" and layer.params.lut is None
    x = zoo.random_inputs(path, 16, seed=5)
    ours = run_ours(path, x)
    np.testing.assert_array_equal(ours, run_tflm(path, x).reshape(ours.shape))
    assert len(np.unique(ours)) > 2          # the test sees more than one output value
