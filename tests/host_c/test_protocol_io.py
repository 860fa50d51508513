"""The serial harness with several inputs and outputs and float/int32 outputs, on the host
under ASan + UBSan (the builds and the pseudo-terminal of test_protocol.py): td-in K,
td-out K, infer refusing until every input is loaded, results of non-int8 outputs."""
from __future__ import annotations

import numpy as np
import pytest
import test_protocol as tp

from io_models import float_io_model, two_in_two_out_model
from tinydeploy.measure.dut import DeviceError

from oracle import run_tflm

pytestmark = pytest.mark.host_c

# ---- model I/O variants (names ending in -san build with the sanitizers)
builds, spawn = tp.builds, tp.spawn      # the fixtures of test_protocol.py
tp.VARIANTS.update({
    "two-io-san": (two_in_two_out_model, {}, {}, True),
    "index-first-san": (lambda: two_in_two_out_model(index_first=True), {}, {}, True),
    "float-io-san": (float_io_model, {}, {}, True),
})


def _err(dut, cmd: str) -> str:
    with pytest.raises(DeviceError) as e:
        dut.command(cmd)
    return str(e.value)


def test_td_in_selects_the_input_and_infer_needs_every_input(spawn):
    d = spawn("two-io-san")
    dut = d.dut
    assert [t["bytes"] for t in dut.info()["inputs"]] == [6, 6]
    assert "No input loaded: send db load" in _err(dut, "infer 1 0")
    a, b = (np.random.default_rng(k).integers(-128, 128, (4, 6)).astype(np.int8) for k in (1, 2))
    dut.load(a[0].tobytes())
    assert "No input 1 loaded: send td-in 1, db load <N> and db <hex> first" in \
        _err(dut, "infer 1 0")
    assert dut.select_input(1) == 6
    assert "needs 1 to 6 bytes, got 7" in _err(dut, "db load 7")
    dut.command("db load 6")
    dut.command("db " + b[0][:3].tobytes().hex())
    assert "Input 1 incomplete: 3 of 6 bytes loaded" in _err(dut, "infer 1 0")
    assert "Input 5 out of range: the model has 2" in _err(dut, "td-in 5")
    assert "Invalid number" in _err(dut, "td-in x")
    assert "requires the input index" in _err(dut, "td-in")
    ref = run_tflm(d.build.model, [a, b])
    for i in range(4):
        dut.load(a[i].tobytes(), input=0)
        dut.load(b[i].tobytes(), input=1)
        assert dut.buffer() == b[i].tobytes()              # db print shows the selected input
        res = dut.infer(1, 2)
        outs = dut.outputs()
        assert outs[0] == ref[0][i].tobytes() and outs[1] == ref[1][i].tobytes()
        assert dut.output(1) == outs[1] and dut.outputs(0) == [outs[0]]
        probs = (ref[0][i].astype(np.float32) + 128) * np.float32(1 / 256)
        assert res["results"] == pytest.approx(probs.reshape(-1).tolist(), abs=6e-4)
    assert "Output 2 out of range: the model has 2" in _err(dut, "td-out 2")


def test_results_of_an_int32_output(spawn):
    d = spawn("index-first-san")
    rng = np.random.default_rng(5)
    a, b = (rng.integers(-128, 128, (3, 6)).astype(np.int8) for _ in range(2))
    ref = run_tflm(d.build.model, [a, b])
    for i in range(3):
        d.dut.load(a[i].tobytes(), input=0)
        d.dut.load(b[i].tobytes(), input=1)
        assert d.dut.infer(1, 0)["results"] == [float(ref[0][i].reshape(-1)[0])]
        assert np.frombuffer(d.dut.output(0), "<i4")[0] == ref[0][i].reshape(-1)[0]


def test_float_input_and_output_bytes(spawn):
    d = spawn("float-io-san")
    x = np.random.default_rng(8).normal(0, 3, (3, 4)).astype(np.float32)
    ref = run_tflm(d.build.model, [x])[0]
    info = d.dut.info()
    assert info["inputs"][0]["bytes"] == 16 and info["db_bytes"] == 16
    for i in range(3):
        d.dut.load(x[i].astype("<f4").tobytes())
        res = d.dut.infer(1, 1)
        assert d.dut.output(0) == ref[i].astype("<f4").tobytes()
        assert res["results"] == pytest.approx(ref[i].reshape(-1).tolist(), abs=6e-4)
