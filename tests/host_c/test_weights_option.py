"""`--weights` on the command line: inspect shows how each layer's weights are stored and
what that saves; predict gives the same bytes whichever way they are stored (and the same
as TFLite Micro)."""
import json
import subprocess
import sys

import numpy as np
import pytest

from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = pytest.mark.host_c


def _pruned_fc(path, depth=64, units=8, keep=0.25, seed=1):
    """FULLY_CONNECTED (per-tensor int8, 75% zeros) -> SOFTMAX."""
    rng = np.random.default_rng(seed)
    w = rng.integers(-127, 128, size=(units, depth), dtype=np.int8)
    w[rng.random(w.shape) >= keep] = 0
    bias = rng.integers(-2000, 2000, size=(units,), dtype=np.int32)
    tensors = [tensor("x", [1, depth], "int8", 0.05, -3),
               tensor("w", [units, depth], "int8", 0.01, 0, w),
               tensor("b", [units], "int32", 0.05 * 0.01, 0, bias),
               tensor("fc", [1, units], "int8", 0.2, 5),
               tensor("y", [1, units], "int8", 1.0 / 256, -128)]
    ops = [("FULLY_CONNECTED", [0, 1, 2], [3], ("FullyConnectedOptions", {})),
           ("SOFTMAX", [3], [4], ("SoftmaxOptions", {"Beta": 1.0}))]
    path.write_bytes(build(tensors, ops, [0], [4]))
    return path


def _cli(*args):
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", *map(str, args)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_inspect_shows_the_encoding_and_the_bytes_it_saves(tmp_path):
    m = _pruned_fc(tmp_path / "pruned.tflite")
    auto = json.loads(_cli("inspect", m, "--json"))
    dense = json.loads(_cli("inspect", m, "--weights", "dense", "--json"))
    fc_auto, fc_dense = auto["layers"][0], dense["layers"][0]
    assert auto["weights"] == "auto" and fc_auto["encoding"] == "sparse"
    assert fc_auto["const_bytes"] < fc_auto["dense_const_bytes"] == fc_dense["const_bytes"]
    assert fc_dense["encoding"] == "dense"
    assert auto["const_bytes"] < auto["dense_const_bytes"] == dense["const_bytes"]
    text = _cli("inspect", m)
    assert "stored as" in text and "sparse" in text and "B stored dense; --weights auto" in text
    assert "stored as" not in _cli("inspect", m, "--weights", "dense")


def test_predict_is_the_same_bytes_however_weights_are_stored(tmp_path):
    m = _pruned_fc(tmp_path / "pruned.tflite")
    x = np.random.default_rng(3).integers(-128, 128, size=(12, 64), dtype=np.int8)
    np.save(tmp_path / "x.npy", x)
    outs = {}
    for policy in ("dense", "sparse", "auto"):
        _cli("predict", m, "--inputs", tmp_path / "x.npy", "--weights", policy,
             "-o", tmp_path / f"{policy}.npy")
        outs[policy] = np.load(tmp_path / f"{policy}.npy")
    ref = run_tflm(m, x).reshape(outs["dense"].shape)
    for policy, y in outs.items():
        np.testing.assert_array_equal(y, ref, err_msg=policy)


def test_unknown_policy_is_a_usage_error(tmp_path):
    m = _pruned_fc(tmp_path / "pruned.tflite")
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "inspect", str(m), "--weights", "zip"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Invalid value for '--weights'" in r.stderr


def test_report_shows_how_each_layer_is_stored(tmp_path):
    m = _pruned_fc(tmp_path / "pruned.tflite")
    _cli("report", m, "-o", tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    data = json.loads((tmp_path / "r.json").read_text())
    fc = data["model"]["layers"][0]
    assert fc["encoding"] == "sparse" and fc["const_bytes"] < fc["dense_const_bytes"]
    assert f'<td>sparse</td><td class="n">{fc["const_bytes"]:,}</td>' in html
    assert "B if every layer were stored dense" in html


def test_inspect_board_estimates_each_layer_as_stored_and_dense(tmp_path):
    m = _pruned_fc(tmp_path / "p.tflite")
    r = json.loads(_cli("inspect", m, "--board", "mps2-an386", "--json"))
    fc = r["layers"][0]
    assert r["core"] == "cortex-m4" and fc["encoding"] == "sparse"
    assert 0 < fc["instructions_est"] < fc["dense_instructions_est"]   # 75% zeros: faster
    text = _cli("inspect", m, "--board", "mps2-an386")
    assert "instr (cortex-m4, est.)" in text and "vs dense" in text and "stored dense (" in text


def test_max_slowdown_keeps_dense_the_layers_estimated_slower(tmp_path):
    """A layer forced sparse at 100% density is estimated well over its dense cost: a
    bound of 1.1 keeps it dense (and says so), a loose one does not; a factor under 1 and
    a bound without a board are one-line errors."""
    from tinydeploy.compiler.compiled import compile_model
    from tinydeploy.deploy.slowdown import limit_slowdown
    m = _pruned_fc(tmp_path / "d.tflite", keep=1.0)
    forced = compile_model(m, weights="sparse")
    assert forced.program.layers[0].encoding == "sparse"
    bounded, slow = limit_slowdown(forced, "cortex-m4", 1.1)
    assert slow == [0] and bounded.program.layers[0].encoding == "dense"
    assert bounded.dense_layers == frozenset({0}) and bounded.weights == "sparse"
    assert limit_slowdown(forced, "cortex-m4", 100.0)[1] == []
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "inspect", str(m), "--weights",
                        "sparse", "--board", "mps2-an386", "--max-slowdown", "1.1"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "layer 0 kept dense" in r.stderr
    assert "sparse" not in r.stdout.split("model ")[0]
    for args, said in ((["--board", "mps2-an386", "--max-slowdown", "0.5"], "at least 1"),
                       (["--max-slowdown", "1.2"], "needs --board")):
        r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "inspect", str(m), *args],
                           capture_output=True, text=True)
        assert r.returncode != 0 and said in r.stderr and "Traceback" not in r.stderr


def _two_pruned_fcs(path, keep=0.4, seed=2):
    """FC 96 -> 48 -> FC 12 -> SOFTMAX, both weight matrices with (1 - keep) zeros."""
    rng = np.random.default_rng(seed)
    ws = []
    for units, depth in ((48, 96), (12, 48)):
        w = rng.integers(-127, 128, size=(units, depth), dtype=np.int8)
        w[rng.random(w.shape) >= keep] = 0
        ws.append(w)
    tensors = [tensor("x", [1, 96], "int8", 0.05, -3),
               tensor("w1", [48, 96], "int8", 0.01, 0, ws[0]),
               tensor("h", [1, 48], "int8", 0.3, 2),
               tensor("w2", [12, 48], "int8", 0.01, 0, ws[1]),
               tensor("fc", [1, 12], "int8", 0.2, 5),
               tensor("y", [1, 12], "int8", 1.0 / 256, -128)]
    ops = [("FULLY_CONNECTED", [0, 1, -1], [2], ("FullyConnectedOptions", {})),
           ("FULLY_CONNECTED", [2, 3, -1], [4], ("FullyConnectedOptions", {})),
           ("SOFTMAX", [4], [5], ("SoftmaxOptions", {"Beta": 1.0}))]
    path.write_bytes(build(tensors, ops, [0], [5]))
    return path


def test_flash_budget_stores_dense_what_the_budget_leaves_room_for(tmp_path):
    """60%-pruned layers are estimated slower stored sparse on the M4: a budget restores
    them dense as far as it allows and never goes over; without a cost model the layers
    saving least go first; a budget under the smallest storage is a one-line error."""
    from tinydeploy.compiler.compiled import compile_model
    from tinydeploy.deploy.slowdown import encoding_costs, fit_flash_budget
    m = _two_pruned_fcs(tmp_path / "two.tflite")
    auto = compile_model(m)
    dense = compile_model(m, weights="dense")
    layers = {layer.index: layer for layer in auto.program.layers}
    assert layers[0].encoding != "dense" and layers[1].encoding != "dense"
    saved = {i: layers[i].dense_const_bytes - layers[i].const_bytes for i in (0, 1)}
    small, big = sorted(saved, key=saved.get)
    low = auto.program.const_bytes
    costs = {c["tflite_index"]: c for c in encoding_costs(auto, "cortex-m4")}
    assert all(costs[i]["instructions"] > costs[i]["dense_instructions"] for i in (0, 1))
    for budget, want in ((low, []), (low + saved[small], [small]),
                         (dense.program.const_bytes, [0, 1])):
        got, kept = fit_flash_budget(auto, "cortex-m4", budget)
        assert kept == want and got.program.const_bytes <= budget
        assert got.dense_layers == frozenset(want)
    # the one whose compression costs most time per byte saved is restored first
    per_byte = {i: (costs[i]["instructions"] - costs[i]["dense_instructions"]) / saved[i]
                for i in (0, 1)}
    first = max(per_byte, key=per_byte.get)
    assert fit_flash_budget(auto, "cortex-m4", low + saved[first])[1] == [first]
    assert fit_flash_budget(auto, None, low + saved[big])[1] == [small]   # no estimates
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "inspect", str(m),
                        "--flash-budget", f"{low - 1}"], capture_output=True, text=True)
    assert r.returncode != 0 and "--flash-budget" in r.stderr and f"{low:,} B" in r.stderr
    assert "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "inspect", str(m), "--json",
                        "--board", "mps2-an386", "--flash-budget", "64K"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and json.loads(r.stdout)["const_bytes"] == dense.program.const_bytes
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "inspect", str(m),
                        "--flash-budget", "lots"], capture_output=True, text=True)
    assert r.returncode == 2 and "not a positive byte count" in r.stderr
