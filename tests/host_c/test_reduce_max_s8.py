"""Bit-exactness of td_reduce_max_s8: GlobalMaxPooling2D, one, the last (-1) and non-
adjacent axes. Each zoo model of the stem (tests/bitexact.py) against its oracle, with
the scalar loops and with the packed loops of the DSP cores emulated on the host."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.errors import ModelError

from bitexact import stem_tests
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("reduce_max_s8", ("REDUCE_MAX", "td_reduce_max_s8")))


def test_different_input_and_output_quantization_is_refused():
    """TFLite Micro refuses int8 REDUCE_MAX unless input and output are quantized alike."""
    axes = np.array([1], np.int32)
    t = [tensor("x", [1, 4, 5, 3], "int8", 0.1, 2), tensor("axes", [1], "int32", data=axes),
         tensor("y", [1, 5, 3], "int8", 0.2, 2)]
    buf = build(t, [("REDUCE_MAX", [0, 1], [2], ("ReducerOptions", {"KeepDims": False}))],
                [0], [2])
    with pytest.raises(ModelError, match="layer 0 REDUCE_MAX: input and output quantization"):
        compile_model(buf)
