"""What reaches the terminal: text from a model file is escaped (an ANSI escape or a newline
in a tensor name can neither clear the screen nor forge a line), and a Keras model given
where a .tflite is needed points to `tinydeploy convert`."""
import subprocess
import sys

import numpy as np
import pytest

from tflite_builder import build, fc_softmax_model, tensor

pytestmark = pytest.mark.unit

HOSTILE = "in\x1b[2J\x1b[H\nerror: forged line\r"


def td(*args):
    return subprocess.run([sys.executable, "-m", "tinydeploy.cli", *map(str, args)],
                          capture_output=True, text=True)


def test_inspect_escapes_names_from_the_model(tmp_path):
    p = tmp_path / "hostile.tflite"
    p.write_bytes(fc_softmax_model(in_name=HOSTILE))
    r = td("inspect", p)
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\r" not in r.stdout
    assert not any(line.startswith("error: forged") for line in r.stdout.splitlines())
    assert "\\x1b[2J" in r.stdout                     # the name is shown, escaped


def test_error_messages_escape_names_and_stay_one_line(tmp_path):
    """A float input named with escapes: the 'not fully int8' refusal quotes the name."""
    w = np.ones((3, 4), np.float32)
    tensors = [tensor(HOSTILE, [1, 4], "float32"), tensor("w", [3, 4], "float32", data=w),
               tensor("out", [1, 3], "float32")]
    p = tmp_path / "float.tflite"
    p.write_bytes(build(tensors, [("FULLY_CONNECTED", [0, 1, -1], [2])], [0], [2]))
    r = td("inspect", p)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    (line,) = r.stderr.splitlines()
    assert line.startswith("error: ") and "\x1b" not in line and "\\x1b[2J" in line


@pytest.mark.parametrize("name, head", [("digits.keras", b"PK\x03\x04"),
                                        ("digits.h5", b"\x89HDF\r\n\x1a\n")])
def test_a_keras_model_points_to_convert(tmp_path, name, head):
    p = tmp_path / name
    p.write_bytes(head + bytes(64))
    for cmd in (["build", p, "--board", "mps2-an386"], ["inspect", p]):
        r = td(*cmd)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert f"tinydeploy convert {p}" in r.stderr and "-o digits.tflite" in r.stderr


def test_a_saved_model_directory_points_to_convert(tmp_path):
    d = tmp_path / "saved"
    d.mkdir()
    (d / "saved_model.pb").write_bytes(b"\x08\x01")
    r = td("inspect", d)
    assert r.returncode == 1 and "tinydeploy convert" in r.stderr


def test_every_tinydeploy_error_is_one_bounded_terminal_safe_line():
    """Found by the 1 M reader fuzz: a damaged name length made a tensor name swallow the
    file's bytes, newlines included, into the refusal."""
    from tinydeploy.errors import ModelError
    msg = str(ModelError("tensor '" + "x\n\x1b[2J" * 2000 + "' is float32; re-export it"))
    assert "\n" not in msg and "\x1b" not in msg and len(msg) <= 1200
    assert msg.startswith("tensor 'x\\n\\x1b[2J") and msg.endswith("re-export it")
