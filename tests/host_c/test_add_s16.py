"""Bit-exactness of td_add_s16 (ADD in 16x8 models), built without TensorFlow: int16 inputs
over the whole range, same shapes and broadcast, against TFLite Micro."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model

from bitexact import run_ours
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


def binary_model(op, a_shape, b_shape, out_shape, sa, sb, so, activation="NONE") -> bytes:
    tensors = [tensor("a", a_shape, "int16", sa, 0), tensor("b", b_shape, "int16", sb, 0),
               tensor("y", out_shape, "int16", so, 0)]
    options = ({"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}[op],
               {"FusedActivationFunction": {"NONE": 0, "RELU": 1}[activation]})
    return build(tensors, [(op, [0, 1], [2], options)], [0, 1], [2])


def check(op, a_shape, b_shape, out_shape, sa, sb, so, activation="NONE"):
    buf = binary_model(op, a_shape, b_shape, out_shape, sa, sb, so, activation)
    kernel = {"ADD": "td_add_s16", "SUB": "td_sub_s16", "MUL": "td_mul_s16"}[op]
    assert [la.kernel for la in compile_model(buf).program.layers] == [kernel]
    rng = np.random.default_rng(6)
    # one sample, batch first: a shape without a leading 1 is one sample's whole shape
    xs = [rng.integers(-32768, 32768, (1,) + tuple(s[1:] if s[0] == 1 else s)).astype(np.int16)
          for s in (a_shape, b_shape)]
    ours = run_ours(buf, xs)[0]
    np.testing.assert_array_equal(ours, np.asarray(run_tflm(buf, xs)[0]).reshape(ours.shape))
    assert len(np.unique(ours)) > ours.size // 4        # RELU: half the outputs are 0


@pytest.mark.parametrize("a, b, out, sa, sb, so, act", [
    ([1, 5, 64], [1, 5, 64], [1, 5, 64], 0.000585, 0.000807, 0.0011, "NONE"),
    ([1, 4, 16], [16], [1, 4, 16], 0.0136, 8e-06, 0.0137, "NONE"),
    ([2, 3, 8], [2, 1, 8], [2, 3, 8], 0.002, 0.003, 0.004, "RELU")])
def test_add_int16_matches_tflite_micro(a, b, out, sa, sb, so, act):
    check("ADD", a, b, out, sa, sb, so, act)
