"""Bit-exactness of td_arg_minmax_s8: ARG_MAX axis -1 int32, ARG_MIN axis -2 int64, ties. Each zoo model of the stem
(tests/bitexact.py) against its oracle, with the scalar loops and with the packed loops of
the DSP cores emulated on the host."""
import pytest

from bitexact import stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("arg_minmax_s8"))


def test_int64_indices_are_checked_against_the_reference_because_tflite_micro_refuses_them():
    """If TFLite Micro ever runs int64 ARG_MIN/ARG_MAX, argmin_axis moves to its oracle."""
    import zoo
    from oracle import run_tflm
    path = zoo.tflite_path("argmin_axis")
    with pytest.raises(RuntimeError):
        run_tflm(path, zoo.random_inputs(path, 1, seed=1))
