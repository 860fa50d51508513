"""Input files are untrusted: NaN or infinity in real values is refused in one line naming
the file, index and value (a cast fed int8 0, not the zero point, and the run exited 0)."""
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
