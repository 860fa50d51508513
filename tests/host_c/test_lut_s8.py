"""Bit-exactness of td_lut_s8 (LEAKY_RELU, HARD_SWISH, TANH, ELU, ABS, RSQRT by a
build-time table).
Each zoo model of the stem (tests/bitexact.py) against TFLite Micro, with the scalar loops
and with the packed loops of the DSP cores emulated on the host; and, built without
TensorFlow, every int8 input value through each op for quantizations and options the
converter gives and ones it does not (alpha > 1 and < 0, saturating scales, ELU, which
TF 2.21 leaves in float for a Keras ELU), against TFLite Micro."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model

from bitexact import run_ours, stem_tests
from oracle import run_ref, run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("lut_s8"))

# (op, options, input (scale, zp), output (scale, zp))
CASES = {
    "leaky_0.2": ("LEAKY_RELU", ("LeakyReluOptions", {"Alpha": 0.2}), (0.05, -3), (0.03, -90)),
    "leaky_0.01_wide": ("LEAKY_RELU", ("LeakyReluOptions", {"Alpha": 0.01}), (0.2, 10),
                        (0.01, -120)),
    "leaky_1.7": ("LEAKY_RELU", ("LeakyReluOptions", {"Alpha": 1.7}), (0.04, 5), (0.06, 30)),
    "leaky_neg0.5": ("LEAKY_RELU", ("LeakyReluOptions", {"Alpha": -0.5}), (0.04, -7),
                     (0.02, -128)),
    "leaky_out_coarse": ("LEAKY_RELU", ("LeakyReluOptions", {"Alpha": 0.3}), (0.01, 0),
                         (0.1, 3)),
    "hswish": ("HARD_SWISH", None, (0.043, -1), (0.023, -112)),
    "hswish_wide_in": ("HARD_SWISH", None, (0.2, 20), (0.1, -100)),
    "hswish_narrow_in": ("HARD_SWISH", None, (0.004, 7), (0.003, -30)),
    "hswish_saturating_out": ("HARD_SWISH", None, (0.05, 0), (0.004, -128)),
    "tanh": ("TANH", None, (0.042, -11), (1 / 128, 0)),
    "tanh_wide": ("TANH", None, (0.3, 40), (1 / 128, 0)),
    "tanh_narrow": ("TANH", None, (0.002, -100), (1 / 128, 0)),
    "elu": ("ELU", None, (0.043, 1), (0.025, -88)),
    "elu_wide": ("ELU", None, (0.25, -20), (0.1, -110)),
    "elu_saturating_out": ("ELU", None, (0.05, 30), (0.005, -60)),
    "abs": ("ABS", None, (0.043, 9), (0.025, -128)),
    "abs_same_scale": ("ABS", None, (0.05, -20), (0.05, -100)),
    "abs_saturating_out": ("ABS", None, (0.04, 3), (0.01, -110)),
    "abs_wider_out": ("ABS", None, (0.02, -60), (0.07, 5)),
    # RSQRT: TFLite Micro refuses inputs below the zero point, so these start at -128
    "rsqrt": ("RSQRT", None, (0.0148, -128), (0.0124, -128)),
    "rsqrt_fine_out": ("RSQRT", None, (0.05, -128), (0.004, -128)),
    "rsqrt_coarse_in": ("RSQRT", None, (0.3, -128), (0.02, -20)),
}


def single_op_model(op, options, qin, qout) -> bytes:
    tensors = [tensor("x", [1, 256], "int8", *qin), tensor("y", [1, 256], "int8", *qout)]
    return build(tensors, [(op, [0], [1], options) if options else (op, [0], [1])], [0], [1])


@pytest.mark.parametrize("case", list(CASES))
def test_every_int8_input_matches_tflite_micro(case):
    buf = single_op_model(*CASES[case])
    compiled = compile_model(buf)
    assert [la.kernel for la in compiled.program.layers] == ["td_lut_s8"]
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    ours = run_ours(buf, x)
    ref = run_tflm(buf, x).reshape(ours.shape)
    np.testing.assert_array_equal(ours, ref)
    assert len(np.unique(ref)) > 8          # the case exercises the function, not a constant


@pytest.mark.parametrize("qin", [(0.02, -30), (0.1, 100), (0.007, 127)])
def test_rsqrt_every_input_at_or_above_the_zero_point_matches_tflite_micro(qin):
    """TFLite Micro stops with an error on an RSQRT input below its zero point; every
    other input is compared."""
    buf = single_op_model("RSQRT", None, qin, (0.03, -100))
    x = np.resize(np.arange(qin[1], 128, dtype=np.int8), 256).reshape(1, 256)
    ours = run_ours(buf, x)
    np.testing.assert_array_equal(ours, run_tflm(buf, x).reshape(ours.shape))


@pytest.mark.parametrize("approximate", [False, True])
@pytest.mark.parametrize("qin, qout", [((0.043, -12), (0.021, -118)), ((0.2, 30), (0.1, -100)),
                                       ((0.005, 2), (0.004, -90))])
def test_gelu_every_int8_input_matches_tflite(approximate, qin, qout):
    """TFLite Micro has no GELU: TFLite's reference kernel (its own table) is the oracle."""
    buf = single_op_model("GELU", ("GeluOptions", {"Approximate": approximate}), qin, qout)
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    ours = run_ours(buf, x)
    ref = run_ref(buf, x).reshape(ours.shape)
    np.testing.assert_array_equal(ours, ref)
    assert len(np.unique(ref)) > 8
