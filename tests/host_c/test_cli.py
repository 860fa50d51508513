"""The CLI end to end on a small model: inspect, predict, and one-line errors."""
import json
import subprocess
import sys

import numpy as np
import pytest

from oracle import run_tflm

pytestmark = pytest.mark.host_c


def td(*args):
    return subprocess.run([sys.executable, "-m", "tinydeploy.cli", *map(str, args)],
                          capture_output=True, text=True)


def test_inspect_json(fc_model):
    r = td("inspect", fc_model, "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["macs"] == 16 * 5
    assert j["weights_bytes"] == 16 * 5 + 5 * 4
    assert j["arena_bytes"] >= 16 + 5
    assert [l["op"] for l in j["layers"]] == ["FULLY_CONNECTED", "SOFTMAX"]
    assert [l["macs"] for l in j["layers"]] == [80, 0]


def test_inspect_table(fc_model):
    r = td("inspect", fc_model)
    assert r.returncode == 0 and "FULLY_CONNECTED" in r.stdout and "arena" in r.stdout


def test_predict_writes_outputs_and_accuracy(tmp_path, fc_model):
    x = np.random.default_rng(4).integers(-128, 128, (40, 16), dtype=np.int8)
    ref = run_tflm(fc_model, x).reshape(40, 5)
    labels = ref.argmax(axis=1)
    labels[:10] = (labels[:10] + 1) % 5                  # 30 of 40 right
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", labels)
    out = tmp_path / "out" / "y_int8.npy"
    r = td("predict", fc_model, "--inputs", tmp_path / "x.npy", "--labels", tmp_path / "y.npy",
           "-o", out)
    assert r.returncode == 0, r.stderr
    assert "75.00%" in r.stdout
    np.testing.assert_array_equal(np.load(out), ref)


def test_predict_quantizes_float_inputs(tmp_path, fc_model):
    xf = np.random.default_rng(5).normal(0, 2, (6, 16)).astype(np.float32)
    # input scale 0.05, zero point -3; round half away from zero, clamp
    xq = np.clip(np.sign(xf / 0.05) * np.floor(np.abs(xf / np.float32(0.05)) + 0.5) - 3,
                 -128, 127).astype(np.int8)
    np.save(tmp_path / "xf.npy", xf)
    r = td("predict", fc_model, "--inputs", tmp_path / "xf.npy", "-o", tmp_path / "o.npy")
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "o.npy"), run_tflm(fc_model, xq).reshape(6, 5))


@pytest.mark.parametrize("content", [b"garbage", b"\x00" * 64])
def test_bad_model_is_one_line_error(tmp_path, content):
    p = tmp_path / "bad.tflite"
    p.write_bytes(content)
    for cmd in (("inspect", p), ("predict", p, "--inputs", p)):
        r = td(*cmd)
        assert r.returncode == 1
        assert r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1
        assert "Traceback" not in r.stderr


def test_predict_shape_mismatch_is_clear_and_writes_nothing(tmp_path, fc_model):
    np.save(tmp_path / "x.npy", np.zeros((3, 7), np.int8))
    out = tmp_path / "o.npy"
    r = td("predict", fc_model, "--inputs", tmp_path / "x.npy", "-o", out)
    assert r.returncode == 1 and "[16]" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_inspect_plan(fc_model):
    r = td("inspect", fc_model, "--plan")
    assert r.returncode == 0, r.stderr
    assert "memory plan" in r.stdout and "offset" in r.stdout
    j = json.loads(td("inspect", fc_model, "--plan", "--json").stdout)
    assert {row["first"] for row in j["plan"]} >= {"input"}
    assert all(set(row) == {"tensor", "name", "bytes", "first", "last", "offset"}
               for row in j["plan"])
