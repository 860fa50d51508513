"""A two-input two-output model on mps2-an386 (Cortex-M4 in QEMU): `tinydeploy build` +
`run` loads every input (td-in K) and checks every output bit-exact against the host build;
a direct serial session checks both outputs against TFLite Micro and the refusals."""
import json
import subprocess
import sys

import numpy as np
import pytest

from tinydeploy.compiler.io_data import short_name
from tinydeploy.compiler.reader import parse
from tinydeploy.deploy.boards import load_board
from tinydeploy.deploy.qemu import start_qemu
from tinydeploy.measure.dut import DeviceError, Dut

import zoo
from oracle import run_tflm

pytestmark = [pytest.mark.qemu, pytest.mark.tf]
BOARD = load_board("mps2-an386")
NAME = "sensor_fusion_two_heads"


def td(*args):
    return subprocess.run([sys.executable, "-m", "tinydeploy.cli", *map(str, args)],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("io")
    path = zoo.tflite_path(NAME)
    g = parse(path.read_bytes())
    xs = zoo.random_inputs_all(path, 12, seed=21)
    np.savez(d / "inputs.npz", **{short_name(g.t(t).name): x for t, x in zip(g.inputs, xs)})
    r = td("build", path, "--board", BOARD.name, "-o", d / "fw", "--json")
    assert r.returncode == 0, r.stderr
    return path, g, xs, d / "inputs.npz", json.loads(r.stdout)["elf"], d


def test_run_checks_every_output_of_every_input(built):
    path, _, xs, inputs, _, d = built
    r = td("run", path, "--board", BOARD.name, "--inputs", inputs, "--runs", "2",
           "-o", d / "fw-run", "--json")
    assert r.returncode == 0, r.stderr
    v = json.loads(r.stdout)["profile"]["validation"]
    assert v["count"] == len(xs[0]) and v["outputs"] == 2
    assert v["bit_exact"] == len(xs[0]) and v["max_abs_diff"] == 0


def test_serial_session_two_inputs_two_outputs_against_tflite_micro(built):
    path, g, xs, _, elf, _ = built
    ref = run_tflm(path, xs)
    with start_qemu(BOARD, elf) as q:
        dut = Dut.open(q.url, BOARD.baud, timeout=30.0)
        try:
            try:
                dut.wait_ready(5.0)
            except DeviceError:
                dut.sync(5.0)
            info = dut.info()
            assert [t["bytes"] for t in info["inputs"]] == [g.t(t).nbytes for t in g.inputs]
            dut.load(xs[0][0].tobytes())                       # input 0 only
            with pytest.raises(DeviceError, match=r"No input 1 loaded: send td-in 1"):
                dut.infer(1, 0)
            with pytest.raises(DeviceError, match=r"Input 2 out of range: the model has 2"):
                dut.select_input(2)
            assert dut.select_input(1) == g.t(g.inputs[1]).nbytes
            with pytest.raises(DeviceError, match=r"needs 1 to \d+ bytes"):
                dut.command(f"db load {g.t(g.inputs[1]).nbytes + 1}")
            for i in range(3):
                for k, x in enumerate(xs):
                    dut.load(x[i].tobytes(), input=k)
                dut.infer(1, 1)
                outs = dut.outputs()
                assert len(outs) == 2
                for k in range(2):
                    assert outs[k] == np.ascontiguousarray(ref[k][i]).tobytes(), (i, k)
                    assert dut.output(k) == outs[k]
            with pytest.raises(DeviceError, match=r"Output 2 out of range"):
                dut.outputs(2)
        finally:
            dut.close()


@pytest.mark.parametrize("board,name", [("mps2-an386", "float_io_two_outputs"),
                                        ("mps2-an386", "argmax_head"),
                                        ("microbit", "float_io_two_outputs")])
def test_run_float_io_and_int32_outputs(board, name, tmp_path):
    """float32 in/out (QUANTIZE/DEQUANTIZE on the Cortex-M4's FPU, and in software float on
    the Cortex-M0) and an int32 ARG_MAX output: every output of every input bit-exact with
    the host build, which the host tests check against TFLite Micro."""
    path = zoo.tflite_path(name)
    xs = zoo.random_inputs_all(path, 8, seed=4)
    np.savez(tmp_path / "inputs.npz", **{str(k): x for k, x in enumerate(xs)})
    r = td("run", path, "--board", board, "--inputs", tmp_path / "inputs.npz", "--runs",
           "1", "-o", tmp_path / "fw", "--json")
    assert r.returncode == 0, r.stderr
    v = json.loads(r.stdout)["profile"]["validation"]
    assert v["count"] == 8 and v["outputs"] == 2 and v["bit_exact"] == 8
    assert v["max_abs_diff"] == 0
