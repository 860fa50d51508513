"""The CLI on models with several inputs/outputs and float I/O: inspect lists every input
and output, predict takes an .npz keyed by input name or index and writes every output
(checked against TFLite Micro), and wrong files get one-line errors."""
import json
import subprocess
import sys

import numpy as np
import pytest

from tinydeploy.compiler.io_data import output_keys, short_name
from tinydeploy.compiler.reader import parse

import zoo
from oracle import run_tflm

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


def td(*args):
    return subprocess.run([sys.executable, "-m", "tinydeploy.cli", *map(str, args)],
                          capture_output=True, text=True)


def _graph(name):
    return parse(zoo.tflite_path(name).read_bytes())


def test_inspect_lists_every_input_and_output():
    path = zoo.tflite_path("sensor_fusion_two_heads")
    r = td("inspect", path, "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    g = _graph("sensor_fusion_two_heads")
    assert [d["name"] for d in j["inputs"]] == [g.t(t).name for t in g.inputs]
    assert [d["shape"] for d in j["outputs"]] == [list(g.t(t).shape) for t in g.outputs]
    assert len({d["scale"] for d in j["inputs"]}) == 2          # different quantization
    assert all(d["dtype"] == "int8" and d["on_device"] is None for d in j["inputs"])
    table = td("inspect", path).stdout
    assert table.count("\ninput    ") == 2 and table.count("\noutput   ") == 2


def test_inspect_says_how_float_io_is_converted():
    j = json.loads(td("inspect", zoo.tflite_path("float_io_two_outputs"), "--json").stdout)
    assert j["inputs"][0]["dtype"] == "float32"
    assert j["inputs"][0]["on_device"]["op"] == "QUANTIZE"
    assert [d["on_device"]["op"] for d in j["outputs"]] == ["DEQUANTIZE", "DEQUANTIZE"]
    table = td("inspect", zoo.tflite_path("float_io_two_outputs")).stdout
    assert "quantized to int8" in table and "dequantized from int8" in table


def test_predict_npz_by_name_writes_every_output(tmp_path):
    name = "sensor_fusion_two_heads"
    path, g = zoo.tflite_path(name), _graph(name)
    xs = zoo.random_inputs_all(path, 12, seed=5)
    np.savez(tmp_path / "in.npz", **{short_name(g.t(t).name): x for t, x in zip(g.inputs, xs)})
    r = td("predict", path, "--inputs", tmp_path / "in.npz", "-o", tmp_path / "out.npz")
    assert r.returncode == 0, r.stderr
    ref = run_tflm(path, xs)
    with np.load(tmp_path / "out.npz") as out:
        assert list(out.files) == output_keys(g) == [g.t(t).name for t in g.outputs]
        for k, key in enumerate(out.files):
            np.testing.assert_array_equal(out[key], ref[k].reshape(out[key].shape))


def test_predict_float_io_by_index(tmp_path):
    name = "float_io_two_outputs"
    path = zoo.tflite_path(name)
    xs = zoo.random_inputs_all(path, 10, seed=9)
    np.savez(tmp_path / "in.npz", **{"0": xs[0]})
    r = td("predict", path, "--inputs", tmp_path / "in.npz", "-o", tmp_path / "out.npz")
    assert r.returncode == 0, r.stderr
    ref = run_tflm(path, xs)
    with np.load(tmp_path / "out.npz") as out:
        for k, key in enumerate(out.files):
            assert out[key].dtype == np.float32
            assert out[key].tobytes() == np.ascontiguousarray(ref[k]).tobytes()


def test_predict_int32_argmax_output(tmp_path):
    path = zoo.tflite_path("argmax_head")
    x = zoo.random_inputs(path, 9, seed=2)
    np.save(tmp_path / "x.npy", x)
    r = td("predict", path, "--inputs", tmp_path / "x.npy", "-o", tmp_path / "o.npz")
    assert r.returncode == 0, r.stderr
    ref = run_tflm(path, x)
    with np.load(tmp_path / "o.npz") as out:
        got = [out[k] for k in out.files]
    assert got[1].dtype == np.int32
    for a, b in zip(got, ref):
        np.testing.assert_array_equal(a, b.reshape(a.shape))


@pytest.mark.parametrize("case", ["missing", "extra", "shape", "npy_for_two", "npy_out"])
def test_predict_refuses_wrong_files_in_one_line(tmp_path, case):
    name = "sensor_fusion"
    path, g = zoo.tflite_path(name), _graph(name)
    xs = zoo.random_inputs_all(path, 4, seed=1)
    keys = {short_name(g.t(t).name): x for t, x in zip(g.inputs, xs)}
    out = tmp_path / "o.npz"
    expect = {"missing": "no array for model input", "extra": "is not a model input",
              "shape": "per sample", "npy_for_two": "keyed by input name",
              "npy_out": "give an .npz path"}[case]
    if case == "missing":
        keys.pop(short_name(g.t(g.inputs[1]).name))
    elif case == "extra":
        keys["bogus"] = xs[0]
    elif case == "shape":
        keys[short_name(g.t(g.inputs[0]).name)] = np.zeros((4, 7), np.int8)
    if case == "npy_for_two":
        np.save(tmp_path / "in.npy", xs[0])
        src = tmp_path / "in.npy"
    else:
        np.savez(tmp_path / "in.npz", **keys)
        src = tmp_path / "in.npz"
    if case == "npy_out":
        path, out = zoo.tflite_path("two_heads"), tmp_path / "o.npy"
        np.save(tmp_path / "x.npy", zoo.random_inputs(path, 3, seed=1))
        src = tmp_path / "x.npy"
    r = td("predict", path, "--inputs", src, "-o", out)
    assert r.returncode != 0
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and expect in errors[0], r.stderr
    assert "Traceback" not in r.stderr and "predicting" not in r.stderr, r.stderr   # up front
