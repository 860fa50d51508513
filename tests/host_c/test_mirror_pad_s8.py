"""Bit-exactness of td_mirror_pad_s8 (MIRROR_PAD, REFLECT and SYMMETRIC). Each zoo model of
the stem (tests/bitexact.py) against TFLite Micro, with the scalar loops and with the
packed loops of the DSP cores emulated; and, built without TensorFlow, what the converter
does not give: int64 paddings, a missing options table and an unknown mode (TFLite Micro
runs both as SYMMETRIC), padding on every axis, none at all, 5-D; paddings that reach past the input are
refused as not supported."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.errors import ModelError

from bitexact import run_ours, stem_tests
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("mirror_pad_s8", choice=("MIRROR_PAD", "td_mirror_pad_s8")))

# (input shape, paddings, paddings dtype, options: None for no table)
CASES = {
    "reflect_int64": ([1, 4, 5, 3], [[0, 0], [3, 1], [0, 4], [0, 0]], "int64", 0),
    "symmetric_every_axis": ([2, 3, 4, 2], [[1, 2], [3, 0], [2, 4], [1, 1]], "int32", 1),
    "no_options": ([1, 6], [[0, 0], [5, 6]], "int32", None),
    "unknown_mode": ([3, 5], [[2, 1], [1, 3]], "int32", 7),
    "no_padding": ([2, 3, 4], [[0, 0], [0, 0], [0, 0]], "int32", 0),
    "reflect_5d": ([1, 2, 3, 2, 3], [[0, 0], [1, 1], [2, 0], [0, 1], [0, 0]], "int32", 0),
}


def _model(shape, pads, pdtype, mode) -> bytes:
    out = [n + a + b for n, (a, b) in zip(shape, pads)]
    tensors = [tensor("x", shape, "int8", 0.05, -3),
               tensor("p", [len(shape), 2], pdtype, data=np.asarray(pads, pdtype)),
               tensor("y", out, "int8", 0.05, -3)]
    opt = None if mode is None else ("MirrorPadOptions", {"Mode": mode})
    return build(tensors, [("MIRROR_PAD", [0, 1], [2], opt) if opt else
                           ("MIRROR_PAD", [0, 1], [2])], [0], [2])


@pytest.mark.parametrize("case", list(CASES))
def test_hand_built_mirror_pad_matches_tflite_micro(case):
    shape, pads, pdtype, mode = CASES[case]
    buf = _model(shape, pads, pdtype, mode)
    x = np.random.default_rng(5).integers(-128, 128, size=[1] + shape, dtype=np.int8)
    ours = run_ours(buf, x)
    np.testing.assert_array_equal(ours.reshape(-1), run_tflm(buf, x).reshape(-1))


@pytest.mark.parametrize("pads,mode", [([[0, 0], [4, 0]], 0), ([[0, 0], [5, 0]], 1)])
def test_paddings_past_the_input_are_refused_as_not_supported(pads, mode):
    with pytest.raises(ModelError, match="not supported yet") as e:
        compile_model(_model([1, 4], pads, "int32", mode))
    assert "malformed" not in str(e.value)
