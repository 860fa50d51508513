"""The model verifier refuses every class of damaged model in one line naming the tensor or
layer, before anything else runs; real models pass it. Cases: tests/corrupt_models.py."""
import subprocess
import sys

import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.reader import parse
from tinydeploy.compiler.verify import problems
from tinydeploy.errors import ModelError

import corrupt_models as cm
from tflite_builder import fc_softmax_model

pytestmark = pytest.mark.unit


def test_the_base_model_is_sound():
    buf = cm.build_spec(cm.base_spec())
    assert problems(parse(buf)) == []
    assert compile_model(buf).plan.arena_bytes > 0


@pytest.mark.parametrize("name", list(cm.CASES))
def test_damaged_model_is_refused_in_one_line(name):
    make, fragment = cm.CASES[name]
    with pytest.raises(ModelError) as e:
        compile_model(make())
    msg = str(e.value)
    assert "\n" not in msg and fragment in msg, msg
    assert "re-export" in msg


@pytest.mark.parametrize("name", list(cm.OP_CASES))
def test_an_output_shape_the_op_does_not_compute_is_refused(name):
    make, fragment = cm.OP_CASES[name]
    found = problems(parse(make()))
    assert len(found) == 1 and fragment in found[0], found
    with pytest.raises(ModelError, match="the model is malformed"):
        compile_model(make())


def test_refusal_on_the_command_line_has_no_traceback(tmp_path):
    p = tmp_path / "bad.tflite"
    p.write_bytes(cm.CASES["buffer index out of range"][0]())
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "inspect", str(p)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"error: {p}: the model is malformed: tensor 1 refers to buffer 99")


def test_many_problems_are_counted_not_all_quoted():
    g = parse(fc_softmax_model())
    g.problems.extend(f"made-up problem {i}" for i in range(10))
    from tinydeploy.compiler.verify import verify
    with pytest.raises(ModelError, match=r"made-up problem 5; and 4 more; re-export"):
        verify(g)


def test_recurrent_ops_and_int16_activations_are_named_as_not_supported_yet():

    from tflite_builder import build, tensor
    t = [tensor("x", [1, 4, 3], "int8", 0.1, 0), tensor("y", [1, 4, 5], "int8", 0.1, 0)]
    lstm = build(t, [("UNIDIRECTIONAL_SEQUENCE_LSTM", [0], [1]), ], [0], [1])
    with pytest.raises(ModelError, match=r"layer 0 UNIDIRECTIONAL_SEQUENCE_LSTM; recurrent "
                                         r"ops \(LSTM, GRU, RNN, SVDF\) are not supported yet"):
        compile_model(lstm)
    t16 = [tensor("x", [1, 4], "int16", 0.1, 0), tensor("y", [1, 4], "int16", 1 / 32768, 0)]
    with pytest.raises(ModelError, match=r"not supported yet: int16 activations .* 16x8 "
                                         r"quantization \(int16 activations\) is supported "
                                         r"for .*LEAKY_RELU.*STRIDED_SLICE.* only"):
        compile_model(build(t16, [("LOGISTIC", [0], [1])], [0], [1]))
