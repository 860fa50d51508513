"""Bit-exactness of td_fully_connected_s8, the portable reference FULLY_CONNECTED, which
keeps the layers no fast path takes: here an effective scale above one (a left shift in
the requantization), which the one-step form of td_fully_connected_rows4_s8 cannot
express. Built without TensorFlow; the oracle is TFLite Micro."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.hostrun import HostModel

from bitexact import flavours
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


def _fc_model(out_scale: float) -> bytes:
    rng = np.random.default_rng(3)
    w = rng.integers(-127, 128, size=(6, 11), dtype=np.int8)
    bias = rng.integers(-300, 300, size=(6,), dtype=np.int32)
    tensors = [tensor("x", [1, 11], "int8", 0.05, -3),
               tensor("w", [6, 11], "int8", 0.02, 0, w),
               tensor("b", [6], "int32", 0.05 * 0.02, 0, bias),
               tensor("y", [1, 6], "int8", out_scale, 4)]
    return build(tensors, [("FULLY_CONNECTED", [0, 1, 2], [3], ("FullyConnectedOptions", {}))],
                 [0], [3])


@pytest.mark.parametrize("out_scale, kernel", [(0.0004, "td_fully_connected_s8"),
                                               (0.05, "td_fully_connected_rows4_s8")])
@flavours
def test_bit_exact_and_kernel_choice(out_scale, kernel, flags):
    buf = _fc_model(out_scale)
    compiled = compile_model(buf)
    assert [la.kernel for la in compiled.program.layers] == [kernel]
    x = np.random.default_rng(0).integers(-128, 128, (32, 11), dtype=np.int8)
    hm = HostModel(compiled.program, compiled.plan, buf, extra_flags=flags)
    try:
        ours = hm.run(x)
    finally:
        hm.close()
    np.testing.assert_array_equal(ours, run_tflm(buf, x).reshape(ours.shape))
