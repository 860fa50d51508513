"""Input files are untrusted: NaN or infinity in real values is refused in one line naming
the file, index and value (a cast fed int8 0, not the zero point, and the run exited 0);
so is an integer array with values the int8 input cannot represent (uint16 60000 was
clamped without a word), unless predict --clamp-inputs asks for the clamp, which is then
counted; run/profile input sets likewise (int8 and uint8 inputs)."""
import subprocess
import sys

import numpy as np
import pytest

from io_models import float_io_model
from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.io_data import load_model_inputs
from tinydeploy.errors import DataError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("bad, shown", [(np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_non_finite_float_input_is_refused_with_file_index_and_value(tmp_path, fc_model, bad, shown):
    g = compile_model(fc_model).graph
    x = np.zeros((3, 16), np.float32)
    x[2, 5] = bad
    p = tmp_path / "x.npy"
    np.save(p, x)
    with pytest.raises(DataError) as e:
        load_model_inputs(p, g)
    msg = str(e.value)
    assert msg.startswith("x.npy: input 0") and f"value {shown}" in msg and "[2, 5]" in msg


def test_float_input_of_a_float_model_refuses_nan_too(tmp_path):
    g = compile_model(float_io_model()).graph
    n = g.t(g.inputs[0]).size
    x = np.ones((2, n), np.float32)
    x[1, 0] = np.nan
    p = tmp_path / "f.npy"
    np.save(p, x)
    with pytest.raises(DataError, match=r"value nan at index \[1, 0\] is not a finite number"):
        load_model_inputs(p, g)


def test_predict_cli_with_nan_is_one_line_and_exit_1(tmp_path, fc_model):
    x = np.zeros((2, 16), np.float32)
    x[0, 3] = np.nan
    np.save(tmp_path / "x.npy", x)
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "predict", str(fc_model),
                        "--inputs", str(tmp_path / "x.npy")], capture_output=True, text=True)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "not a finite number" in lines[0]


def test_finite_floats_and_int8_still_load(tmp_path, fc_model):
    g = compile_model(fc_model).graph
    np.save(tmp_path / "a.npy", np.linspace(-1, 1, 32, dtype=np.float32).reshape(2, 16))
    np.save(tmp_path / "b.npy", np.full((2, 16), -128, np.int8))
    (xa,), _, _ = load_model_inputs(tmp_path / "a.npy", g)
    (xb,), _, _ = load_model_inputs(tmp_path / "b.npy", g)
    assert xa.dtype == xb.dtype == np.int8 and xa.shape == xb.shape == (2, 16)


def test_quantizing_real_values_refuses_nan_on_every_path():
    # the path profile/run (measure/inputs.py) and optimize's report take
    from tinydeploy.compiler.quant import quantize_inputs
    x = np.zeros((1, 4), np.float32)
    x[0, 1] = np.nan
    with pytest.raises(DataError, match=r"inputs: value nan at index \[0, 1\]"):
        quantize_inputs(x, (1, 4), 0.1, -3)


def test_integer_values_the_input_cannot_hold_are_refused_or_clamped_and_counted(tmp_path,
                                                                                 fc_model):
    g = compile_model(fc_model).graph                       # input scale 0.05, zero point -3
    x = np.zeros((2, 16), np.uint16)
    x[1, 4], x[1, 9] = 60000, 3
    np.save(tmp_path / "u.npy", x)
    with pytest.raises(DataError) as e:
        load_model_inputs(tmp_path / "u.npy", g)
    msg = str(e.value)
    assert msg.startswith("u.npy: input 0") and "value 60000 at index [1, 4]" in msg
    assert "1 such values" in msg and "--clamp-inputs" in msg
    (q,), _, desc = load_model_inputs(tmp_path / "u.npy", g, clamp=True)
    assert q[1, 4] == 127 and q[1, 9] == 3 / 0.05 - 3 and "1 value clamped" in desc


def test_predict_clamp_inputs_says_how_many(tmp_path, fc_model):
    np.save(tmp_path / "i.npy", np.full((3, 16), -400, np.int32))
    base = [sys.executable, "-m", "tinydeploy.cli", "predict", str(fc_model), "--inputs",
            str(tmp_path / "i.npy")]
    r = subprocess.run(base, capture_output=True, text=True)
    assert r.returncode != 0 and "outside what the int8 input represents" in r.stderr
    r = subprocess.run(base + ["--clamp-inputs"], capture_output=True, text=True)
    assert r.returncode == 0 and "48 values clamped to the input's range" in r.stdout


def test_run_input_sets_refuse_values_the_input_cannot_hold(tmp_path):
    from tinydeploy.measure.inputs import load_input_set
    np.save(tmp_path / "big.npy", np.full((2, 4), 300, np.int16))
    with pytest.raises(DataError, match="value 300 at index \\[0, 0\\] is outside the uint8"):
        load_input_set(tmp_path / "big.npy", "uint8-offset", (1, 4), 1.0, -128)
    with pytest.raises(DataError, match="value 300 at index \\[0, 0\\] is outside what the int8"):
        load_input_set(tmp_path / "big.npy", "int8", (1, 4), 1.0, 0)
    ok = load_input_set(tmp_path / "big.npy", "int8", (1, 4), 4.0, 0)   # 75: representable
    assert len(ok) == 2
