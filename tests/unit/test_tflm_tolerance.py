"""What TFLite Micro tolerates is never called malformed: one hand-built model per class the
models TFLite Micro ships use (legacy bias quantization, empty and left-out optional
tensors, variable state tensors, int16 zero points, raw int16 samples, custom ops' scratch
tensors). Each is accepted, or refused in one line as "not supported yet" where tinydeploy
has no kernel; real damage stays malformed (test_verifier.py, corrupt_models.py)."""
import copy

import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.reader import parse
from tinydeploy.compiler.verify import problems
from tinydeploy.errors import ModelError

import corrupt_models as cm
from tflite_builder import build, tensor

pytestmark = pytest.mark.unit


def refusal(buf: bytes) -> str:
    """The one-line refusal of a model the verifier passes."""
    assert problems(parse(buf)) == []
    with pytest.raises(ModelError) as e:
        compile_model(buf)
    msg = str(e.value)
    assert "\n" not in msg and "malformed" not in msg, msg
    return msg


def _base_with(**edits) -> bytes:
    spec = copy.deepcopy(cm.base_spec())
    for ti, fields in edits.items():
        spec["tensors"][int(ti[1:])].update(fields)
    return cm.build_spec(spec)


@pytest.mark.parametrize("bias", [
    dict(scale=5e-4, zp=0, axis=3),                            # per-tensor, stray axis
    dict(scale=[5e-4, 1e-3, 7.5e-4, 6e-4], zp=[0] * 4, axis=3),   # person_detect's biases
])
def test_bias_with_the_old_converters_quantized_dimension_is_accepted(bias):
    buf = _base_with(t2=bias, t5=dict(axis=3))
    assert problems(parse(buf)) == []
    assert compile_model(buf).plan.arena_bytes > 0


def test_an_empty_tensor_no_op_reads_is_accepted():
    spec = copy.deepcopy(cm.base_spec())
    spec["tensors"].append(tensor("lstm/intermediate", [0], "float32"))
    assert compile_model(cm.build_spec(spec)).plan.arena_bytes > 0


def _lstm(state_variable=True) -> bytes:
    """An int8 UNIDIRECTIONAL_SEQUENCE_LSTM as the converter writes it: optional inputs
    (peepholes, projection, layer norm) left out as -1 or given as an empty tensor, state
    in variable tensors, an empty intermediate tensor."""
    rng = np.random.default_rng(0)
    t = [tensor("x", [1, 4, 3], "int8", 0.1, 0)]
    for k in range(4):
        t.append(tensor(f"w{k}", [5, 3], "int8", 0.01, 0, rng.integers(-9, 9, (5, 3), np.int8)))
    for k in range(4):
        t.append(tensor(f"r{k}", [5, 5], "int8", 0.01, 0, rng.integers(-9, 9, (5, 5), np.int8)))
    for k in range(4):
        t.append(tensor(f"b{k}", [5], "int32", 1e-3, 0, np.zeros(5, np.int32)))
    t += [tensor("h", [1, 5], "int8", 0.1, 0, variable=state_variable),        # 13
          tensor("c", [1, 5], "int16", 2 ** -11, 0, variable=state_variable),  # 14
          tensor("empty_peephole", [0], "int16"),                               # 15
          tensor("intermediate", [0], "float32"),                               # 16
          tensor("y", [1, 4, 5], "int8", 0.1, 0)]                               # 17
    ins = [0, 1, 2, 3, 4, 5, 6, 7, 8, 15, -1, -1, 9, 10, 11, 12, -1, -1, 13, 14] + [-1] * 4
    return build(t, [("UNIDIRECTIONAL_SEQUENCE_LSTM", ins, [17])], [0], [17])


def test_lstm_with_left_out_and_empty_optional_inputs_is_not_supported_yet():
    msg = refusal(_lstm())
    assert "not supported yet: UNIDIRECTIONAL_SEQUENCE_LSTM (layer 0 " in msg


def test_a_tensor_no_layer_writes_is_still_malformed_unless_variable():
    t = [tensor("x", [1, 4], "int8", 0.1, 0), tensor("acc", [1, 4], "int8", 0.1, 0),
         tensor("y", [1, 4], "int8", 0.1, 0)]
    with pytest.raises(ModelError, match="malformed: layer 0 ADD reads tensor 1 before any "
                                         "layer writes it"):
        compile_model(build(t, [("ADD", [0, 1], [2])], [0], [2]))
    t[1]["variable"] = True
    assert "not supported yet: state kept" in refusal(build(t, [("ADD", [0, 1], [2])], [0], [2]))


def test_svdf_state_as_a_variable_tensor_and_int16_softmax_zero_point_is_not_supported_yet():
    """The SVDF keyword model: state read (and updated) by the op, an int8 -> int16 SOFTMAX
    whose output zero point is TFLite Micro's -32768."""
    w = np.ones((4, 8), np.int8)
    t = [tensor("x", [1, 8], "int8", 0.1, 0),
         tensor("wf", [4, 8], "int8", 0.01, 0, w),
         tensor("wt", [4, 3], "int16", 0.01, 0, np.ones((4, 3), np.int16)),
         tensor("state", [1, 12], "int16", 0.004, 0, variable=True),
         tensor("s", [1, 4], "int8", 0.2, -128),
         tensor("p", [1, 4], "int16", 1.0 / 65536, -32768)]
    buf = build(t, [("SVDF", [0, 1, 2, -1, 3], [4]), ("SOFTMAX", [4], [5])], [0], [5])
    assert "not supported yet: SVDF (layer 0 SVDF; recurrent ops" in refusal(buf)
    soft = build([t[4], t[5]], [("SOFTMAX", [0], [1])], [0], [1])
    assert "not supported yet: int16 activations (tensor 'p' of layer 0 SOFTMAX" in refusal(soft)


def test_a_supported_op_reading_and_writing_a_variable_tensor_is_not_supported_yet():
    t = [tensor("x", [1, 4], "int8", 0.1, 0), tensor("acc", [1, 4], "int8", 0.1, 0, variable=True)]
    msg = refusal(build(t, [("ADD", [0, 1], [1])], [0], [1]))
    assert "not supported yet: state kept across invocations (variable tensor 'acc' of layer " \
           "0 ADD)" in msg


def test_raw_int16_samples_into_an_audio_front_end_are_not_supported_yet():
    """The Signal library's front end: unquantized int16 samples, reshaped, into custom ops,
    and a custom op's scratch tensor no op writes (as Ethos-U's)."""
    t = [tensor("audio", [1, 16], "int16"), tensor("shape", [1], "int32", data=np.array([16], np.int32)),
         tensor("flat", [16], "int16"), tensor("scratch", [64], "uint8"), tensor("mel", [4], "int16")]
    msg = refusal(build(t, [("RESHAPE", [0, 1], [2]), ("CUSTOM:SignalFilterBank", [2, 3], [4])],
                        [0], [4]))
    assert "not supported yet: CUSTOM:SignalFilterBank (layer 1 CUSTOM:SignalFilterBank)" in msg


def test_an_unquantized_int16_tensor_of_a_quantized_op_stays_malformed():
    t = [tensor("x", [1, 4], "int16"), tensor("y", [1, 4], "int16", 0.1, 0)]
    with pytest.raises(ModelError, match=r"malformed: tensor 0 \(int16\) has no quantization"):
        compile_model(build(t, [("TANH", [0], [1])], [0], [1]))
