"""Bit-exactness of td_log_softmax_s8 (LOG_SOFTMAX). Each zoo model of the stem
(tests/bitexact.py) against TFLite Micro, with the scalar loops and with the packed loops of
the DSP cores emulated on the host; and, built without TensorFlow, rows holding every int8
value and random rows at input scales from fine to coarse, against TFLite Micro."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.errors import ModelError

from bitexact import run_ours, stem_tests
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("log_softmax_s8"))


def single_op_model(shape, qin, qout=(16.0 / 256, 127)) -> bytes:
    tensors = [tensor("x", shape, "int8", *qin), tensor("y", shape, "int8", *qout)]
    return build(tensors, [("LOG_SOFTMAX", [0], [1])], [0], [1])


@pytest.mark.parametrize("qin", [(0.0625, -5), (0.01, 20), (0.2, -100), (1.5, 0), (0.0007, 3)])
def test_every_int8_value_and_random_rows_match_tflite_micro(qin):
    """Row 0 holds all 256 values (the far ones fall below the clamp); the others are
    random rows of 256, some with a narrow spread so that every output is in range."""
    buf = single_op_model([1, 9, 256], qin)
    assert [la.kernel for la in compile_model(buf).program.layers] == ["td_log_softmax_s8"]
    rng = np.random.default_rng(7)
    rows = [np.arange(-128, 128)]
    rows += [rng.integers(-128, 128, 256) for _ in range(4)]
    rows += [rng.integers(lo, lo + 6, 256) for lo in (-128, -40, 0, 121)]
    x = np.stack(rows).astype(np.int8)[None]
    ours = run_ours(buf, x)
    ref = run_tflm(buf, x).reshape(ours.shape)
    np.testing.assert_array_equal(ours, ref)
    assert len(np.unique(ref)) > 3           # not a constant, even at the finest scale


def test_an_output_quantization_tflite_micro_refuses_is_refused():
    with pytest.raises(ModelError, match="16/256 and zero point 127"):
        compile_model(single_op_model([1, 10], (0.1, 0), (1.0 / 256, -128)))
