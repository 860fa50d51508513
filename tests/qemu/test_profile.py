"""`tinydeploy profile` / `run` end to end on an emulated board, and what happens when the
line is noisy or the device goes away: clear errors, partial results, never a hang."""
import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from tinydeploy.deploy.boards import load_board
from tinydeploy.deploy.build import build_firmware
from tinydeploy.deploy.qemu import start_qemu
from tinydeploy.measure.profile import profile_device

from oracle import run_tflm
from tflite_builder import fc_softmax_model

pytestmark = pytest.mark.qemu
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs/schema/profile.schema.json")
                    .read_text())
BOARD = load_board("mps2-an386")


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    d = tmp_path_factory.mktemp("dense")
    model = d / "dense.tflite"
    model.write_bytes(fc_softmax_model(in_features=32, classes=4, seed=9))
    x = np.random.default_rng(2).integers(-128, 128, (30, 32), dtype=np.int8)
    y = run_tflm(model, x).reshape(30, 4).argmax(1)
    y[:3] = (y[:3] + 1) % 4                                   # 27 of 30 right
    np.savez(d / "inputs.npz", x=x, y=y)
    fw = build_firmware(model, BOARD.name, d / "fw")
    return model, d / "inputs.npz", fw["elf"]


def test_run_reports_latency_layers_validation_and_energy(dense, tmp_path):
    model, inputs, _ = dense
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "run", str(model), "--board",
                        BOARD.name, "--inputs", str(inputs), "--runs", "3", "-o",
                        str(tmp_path / "fw"), "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    prof = rep["profile"]
    jsonschema.validate(prof, SCHEMA)
    assert prof["complete"] and prof["latency"]["unit"] == "instructions"
    assert prof["latency"]["value"] > 1000
    # time: the same instructions on the virtual clock (the board's nominal clock, 1 per cycle)
    t = prof["time"]
    assert t["clock"] == "virtual" and t["clock_hz"] == BOARD.clock_hz
    runs, mhz = prof["latency"]["runs"], BOARD.clock_hz / 1e6
    # the window's microseconds also hold the two timer reads around the exact counter
    assert abs(t["value"] - prof["latency"]["value"] / mhz) * runs <= 20
    assert prof["throughput"]["value"] == pytest.approx(1e6 / t["value"])
    assert [layer["op"] for layer in prof["per_layer"]] == ["FULLY_CONNECTED", "SOFTMAX"]
    assert prof["per_layer"][0]["macs"] == 32 * 4
    v = prof["validation"]
    assert v["count"] == 30 and v["bit_exact"] == 30 and v["max_abs_diff"] == 0
    assert v["top1_agreement"] == 30 and v["accuracy"] == pytest.approx(0.9)
    e = prof["energy"]
    assert e["kind"] == "estimate" and e["value"] > 0 and "instructions" in e["basis"]
    assert rep["build"]["size"]["ram"]["arena"] > 0


def test_port_closing_mid_run_keeps_partial_results(dense):
    model, inputs, elf = dense
    q = start_qemu(BOARD, elf)
    try:
        def progress(msg):
            if "input 11 of 30" in msg:
                q.stop()                                    # the device vanishes
        rep = profile_device(q.url, board=BOARD.name, inputs=inputs, validate=model, runs=1,
                             timeout=10.0, progress=progress)
    finally:
        q.stop()
    jsonschema.validate(rep, SCHEMA)
    assert not rep["complete"] and rep["error"]
    assert "\n" not in rep["error"]
    assert rep["latency"]["value"] > 0                    # gathered before the loss
    assert 10 <= rep["validation"]["count"] < 30


class NoisyLink:
    """A TCP relay between the host and QEMU's serial socket that injects garbage lines and
    partial lines into what the device sends, or cuts the connection after `cut_after`
    bytes: a simulated faulty serial line in front of a real (emulated) device."""

    def __init__(self, target_url: str, cut_after: int | None = None, seed: int = 0):
        host, port = target_url.replace("socket://", "").split(":")
        self.upstream = socket.create_connection((host, int(port)))
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.url = f"socket://127.0.0.1:{self.server.getsockname()[1]}"
        self.cut_after, self.rng, self.sent = cut_after, np.random.default_rng(seed), 0
        self.injected = 0
        self.at_line_start = True
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        client, _ = self.server.accept()
        threading.Thread(target=self._pump, args=(client, self.upstream, False), daemon=True).start()
        self._pump(self.upstream, client, True)

    def _pump(self, src, dst, noisy):
        try:
            while True:
                data = src.recv(4096)
                if not data:
                    break
                if noisy:
                    # Garbage goes in only where a line starts, between real lines.
                    out = bytearray()
                    for piece in data.splitlines(keepends=True):
                        if self.at_line_start and self.rng.random() < 0.3:
                            junk = bytes(self.rng.integers(0x80, 0x100, 12).tolist())
                            out += b"\x00" + junk + b" garbage\r\n"
                            self.injected += 1
                        out += piece
                        self.at_line_start = piece.endswith(b"\n")
                    data = bytes(out)
                    if self.cut_after is not None and self.sent + len(data) > self.cut_after:
                        dst.sendall(data[:max(0, self.cut_after - self.sent)])
                        break
                    self.sent += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        for s in (self.server, self.upstream):
            s.close()


def test_garbage_on_the_line_is_tolerated_and_counted_with_simulated_noisy_link(dense):
    model, inputs, elf = dense
    with start_qemu(BOARD, elf) as q:
        link = NoisyLink(q.url, seed=4)
        try:
            rep = profile_device(link.url, inputs=inputs, validate=model, runs=2, limit=5,
                                 timeout=20.0)
        finally:
            link.close()
    assert rep["complete"], rep["error"]
    assert rep["validation"]["bit_exact"] == 5
    assert link.injected > 0 and rep["garbage_lines"] > 0


def test_device_stopping_mid_reply_is_a_clear_error_with_simulated_noisy_link(dense):
    model, inputs, elf = dense
    with start_qemu(BOARD, elf) as q:
        link = NoisyLink(q.url, cut_after=1500, seed=1)
        try:
            rep = profile_device(link.url, inputs=inputs, validate=model, runs=2, timeout=5.0)
        finally:
            link.close()
    assert not rep["complete"]
    assert "closed" in rep["error"] or "no m-ready" in rep["error"] or "lost" in rep["error"]
    jsonschema.validate(rep, SCHEMA)


def test_profile_cli_unreachable_port_is_one_line(tmp_path):
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "profile", "--port",
                        str(tmp_path / "ttyNOPE")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("error:")


def test_run_loads_the_model_and_the_board_once(dense, tmp_path, monkeypatch):
    """`tinydeploy run` reads, lowers and plans the model once and loads the board once:
    every module's reference to the loading functions is wrapped with a counter."""
    from click.testing import CliRunner

    import tinydeploy
    from tinydeploy.cli import main
    from tinydeploy.compiler import compiled, lower, planner, reader
    from tinydeploy.deploy import boards

    calls = {"read_tflite": 0, "load_model": 0, "lower": 0, "plan": 0, "load_board": 0}
    originals = {"read_tflite": reader.read_tflite, "load_model": reader.load_model,
                 "lower": lower.lower, "plan": planner.plan, "load_board": boards.load_board}

    def counting(name):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return originals[name](*args, **kwargs)
        return wrapper

    wrappers = {name: counting(name) for name in originals}
    for mod in [m for n, m in list(sys.modules.items())
                if n.startswith("tinydeploy.") and m is not None] + [compiled]:
        for name, fn in originals.items():
            if getattr(mod, name, None) is fn:
                monkeypatch.setattr(mod, name, wrappers[name])
    assert tinydeploy.compiler.compiled.lower is wrappers["lower"]
    model, inputs, _ = dense
    r = CliRunner().invoke(main, ["run", str(model), "--board", BOARD.name, "--inputs",
                                  str(inputs), "--runs", "2", "-o", str(tmp_path / "fw"),
                                  "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["profile"]["validation"]["bit_exact"] == 30
    assert calls == {"read_tflite": 1, "load_model": 0, "lower": 1, "plan": 1,
                     "load_board": 1}


@pytest.fixture
def running(dense):
    model, inputs, elf = dense
    q = start_qemu(BOARD, elf)
    yield q
    q.stop()


def _profile_cli(*args):
    return subprocess.run([sys.executable, "-m", "tinydeploy.cli", "profile", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def _error_line(r) -> str:
    assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
    (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith("error: ")]
    return line


def test_profile_refuses_another_board_than_the_firmwares(running):
    line = _error_line(_profile_cli("--port", running.url, "--board", "microbit"))
    assert "built for board 'mps2-an386', not 'microbit'" in line and "--board mps2-an386" in line


def test_profile_refuses_to_validate_against_another_model_of_the_same_shape(running, tmp_path):
    other = tmp_path / "other.tflite"
    other.write_bytes(fc_softmax_model(in_features=32, classes=4, seed=10))   # same I/O shape
    line = _error_line(_profile_cli("--port", running.url, "--validate", other))
    assert "the device runs model 'dense'" in line and "not other" in line, line


def test_profile_without_board_uses_the_firmwares_board_for_energy(running):
    rep = profile_device(running.url, runs=2)
    assert rep["complete"] and rep["energy"]["value"] > 0, rep


def test_many_runs_go_in_chunks_and_the_device_keeps_answering(running):
    """250 runs are three infer commands (100, 100, 50); the per-inference count equals
    one run's, and the device answers right after."""
    from tinydeploy.measure.dut import Dut
    from tinydeploy.measure.profile import RUN_CHUNK
    dut = Dut.open(running.url, timeout=30.0)
    try:
        sent = []
        real = dut.command

        def spy(cmd, *a, **k):
            sent.append(cmd)
            return real(cmd, *a, **k)
        dut.command = spy
        rep = profile_device(running.url, runs=250, warmup=1, dut=dut)
        assert rep["complete"], rep["error"]
        assert [c for c in sent if c.startswith("infer")] == [
            f"infer {RUN_CHUNK} 1", f"infer {RUN_CHUNK} 0", "infer 50 0"]
        dut.infer(1, 0)
        one = dut.timing()["window_counter"]
        assert abs(rep["latency"]["value"] - one) <= 80          # two SysTick ticks
        assert dut.name() == "tinydeploy"
    finally:
        dut.close()


@pytest.mark.parametrize("args, bad", [(["--warmup", "-1"], "--warmup"),
                                       (["--limit", "-2"], "--limit"),
                                       (["--runs", "100000000"], "--runs")])
def test_profile_options_are_range_checked(args, bad):
    r = _profile_cli("--port", "socket://127.0.0.1:9", *args)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"Invalid value for '{bad}'" in r.stderr
