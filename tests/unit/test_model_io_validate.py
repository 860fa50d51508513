"""Which inputs/outputs the compiler takes: float32 only at QUANTIZE after a model input and
DEQUANTIZE before a model output, int32 only as an ARG_MAX/ARG_MIN model output; the
generated API's per-index sizes and dtypes for several inputs/outputs."""
import numpy as np
import pytest

from io_models import float_io_model, two_in_two_out_model
from tinydeploy.compiler.codegen import generate
from tinydeploy.compiler.compiled import compile_model
from tinydeploy.errors import ModelError

from tflite_builder import build, tensor

pytestmark = pytest.mark.unit


def test_float_io_is_converted_on_the_device():
    c = compile_model(float_io_model())
    kernels = [layer.kernel for layer in c.program.layers]
    assert kernels[0] == "td_quantize_f32_s8" and kernels[-1] == "td_dequantize_s8_f32"
    h = generate(c.program, c.plan)["model/td_model.h"]
    assert "#define TD_MODEL_INPUT0_BYTES 16" in h and "#define TD_MODEL_OUTPUT0_BYTES 12" in h
    assert "#define TD_MODEL_INPUT0_DTYPE 1" in h


def test_a_float_tensor_inside_the_graph_is_still_refused():
    with pytest.raises(ModelError, match="not fully int8: tensor 'yf' of layer 2 DEQUANTIZE"):
        compile_model(float_io_model(extra_after_dequantize=True))


def test_int32_index_output_only_at_the_boundary():
    c = compile_model(two_in_two_out_model())
    h = generate(c.program, c.plan)["model/td_model.h"]
    for line in ("TD_MODEL_NUM_INPUTS 2", "TD_MODEL_NUM_OUTPUTS 2", "TD_MODEL_INPUT1_BYTES 6",
                 "TD_MODEL_OUTPUT1_BYTES 4", "TD_MODEL_OUTPUT1_DTYPE 2",
                 "TD_MODEL_INPUTS_TOTAL_BYTES 12"):
        assert f"#define {line}" in h, line
    t = [tensor("a", [1, 6], "int8", 0.1, 1), tensor("axis", [1], "int32",
                                                      data=np.array([1], np.int32)),
         tensor("idx", [1], "int32"), tensor("r", [1], "int32")]
    buf = build(t, [("ARG_MAX", [0, 1], [2]), ("RELU", [2], [3])], [0], [3])
    with pytest.raises(ModelError, match="'idx' of layer 0 ARG_MAX is int32"):
        compile_model(buf)


def test_argmax_axis_out_of_range_is_refused_in_one_line():
    t = [tensor("a", [1, 6], "int8", 0.1, 1), tensor("axis", [1], "int32",
                                                      data=np.array([2], np.int32)),
         tensor("idx", [1], "int32")]
    with pytest.raises(ModelError, match=r"layer 0 ARG_MAX: axis 2 is out of range"):
        compile_model(build(t, [("ARG_MAX", [0, 1], [2])], [0], [2]))


def test_int32_model_input_is_refused():
    t = [tensor("a", [1, 6], "int32"), tensor("o", [1, 6], "int8", 0.1, 0)]
    with pytest.raises(ModelError, match="int32"):
        compile_model(build(t, [("QUANTIZE", [0], [1])], [0], [1]))


def test_benchmark_input_modes_are_refused_up_front_for_multi_io_and_float_models():
    from tinydeploy.deploy.project import check_benchmark_io
    for buf in (two_in_two_out_model(), float_io_model()):
        program = compile_model(buf).program
        for bench in ("ic01", "vww01", "ad01"):
            with pytest.raises(ModelError, match=f"benchmark id {bench} .* build it without "
                                                 "--benchmark-id"):
                check_benchmark_io(program, bench)
        check_benchmark_io(program, "kws01")          # raw bytes: fine
        check_benchmark_io(program, "my_model")
