"""Bit-exactness of td_l2norm_s8 (L2_NORMALIZATION over the last axis: tf.math.l2_normalize, UnitNormalization). Each zoo model of the stem (tests/bitexact.py) against TFLite
Micro, with the scalar loops and with the packed loops of the DSP cores emulated on the
host; and, built without TensorFlow, the corners of the sum of squares."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.hostrun import HostModel

from bitexact import SANITIZE, stem_tests
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("l2norm_s8"))


def _run_both(buf, x):
    compiled = compile_model(buf)
    assert [la.kernel for la in compiled.program.layers] == ["td_l2norm_s8"]
    hm = HostModel(compiled.program, compiled.plan, buf, extra_flags=SANITIZE)
    try:
        ours = hm.run(x)
    finally:
        hm.close()
    return ours, run_tflm(buf, x).reshape(ours.shape)


@pytest.mark.parametrize("depth, zp", [(9000, -128), (3, 5), (1, 0)])
def test_sum_of_squares_corners_match_tflite_micro(depth, zp):
    """Rows whose sum of squares is >= 2^29 (the inverse square root's pre-scaling loop),
    0 or 1 (its special case), and depth 1; under ASan/UBSan. Built without TensorFlow."""
    tensors = [tensor("x", [1, 2, depth], "int8", 0.05, zp),
               tensor("y", [1, 2, depth], "int8", 1 / 128, 0)]
    buf = build(tensors, [("L2_NORMALIZATION", [0], [1], ("L2NormOptions", {}))], [0], [1])
    rng = np.random.default_rng(depth)
    x = np.empty((4, 2, depth), np.int8)
    x[0] = 127                                              # (127 - zp)^2 * depth at most
    x[1] = rng.integers(-128, 128, (2, depth))
    x[2] = zp                                               # every value at the zero point
    x[3, 0], x[3, 1] = zp, zp
    x[3, 1, 0] = zp + 1                                     # sum of squares exactly 1
    ours, ref = _run_both(buf, x)
    np.testing.assert_array_equal(ours, ref)
