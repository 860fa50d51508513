"""Bit-exactness of td_arg_minmax_s8: ARG_MAX axis -1 int32, ARG_MIN axis -2 int64, ties. Each zoo model of the stem
(tests/bitexact.py) against its oracle, with the scalar loops and with the packed loops of
the DSP cores emulated on the host."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.hostrun import HostModel

from bitexact import stem_tests
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("arg_minmax_s8"))


def test_int64_indices_are_checked_against_the_reference_because_tflite_micro_refuses_them():
    """If TFLite Micro ever runs int64 ARG_MIN/ARG_MAX, argmin_axis moves to its oracle."""
    import zoo
    path = zoo.tflite_path("argmin_axis")
    with pytest.raises(RuntimeError):
        run_tflm(path, zoo.random_inputs(path, 1, seed=1))


def _argminmax_model(kind: str, shape, axis: int, axis_dtype: str = "int32") -> bytes:
    out_shape = [d for i, d in enumerate(shape) if i != axis % len(shape)]
    t = [tensor("x", shape, "int8", 0.1, 3), tensor("axis", [1], axis_dtype,
                                                     data=np.array([axis], axis_dtype)),
         tensor("idx", out_shape, "int32")]
    return build(t, [(kind, [0, 1], [2])], [0], [2])


@pytest.mark.parametrize("kind", ["ARG_MAX", "ARG_MIN"])
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_every_axis_with_many_ties_against_tflite_micro(kind, axis, tmp_path):
    """Inputs from {-1, 0, 1}: most positions tie, so first-index tie-breaking is tested on
    every axis, the batch axis and negative ones included."""
    buf = _argminmax_model(kind, [3, 5, 4], axis)
    x = np.random.default_rng(axis + 7).integers(-1, 2, (6, 3, 5, 4)).astype(np.int8)
    c = compile_model(buf)
    hm = HostModel(c.program, c.plan, buf)
    try:
        ours = hm.run_all([x.reshape(6, -1)])[0]
    finally:
        hm.close()
    ref = run_tflm(buf, x.reshape(6, -1))
    assert ours.dtype == np.int32
    np.testing.assert_array_equal(ours.reshape(6, -1), ref.reshape(6, -1))
