"""Same protocol tests, swap the runner: firmware built by `tinydeploy build` for every
emulated board, booted in QEMU, driven over a real serial connection (pyserial on QEMU's
TCP chardev), outputs bit-exact with TFLite Micro. Every QEMU is stopped by its pid."""
import pytest

from tinydeploy.deploy.boards import list_boards
from tinydeploy.deploy.build import build_firmware
from tinydeploy.deploy.qemu import start_qemu
from tinydeploy.measure.dut import Dut

import protocol_cases as pc
from tflite_builder import fc_softmax_model

pytestmark = pytest.mark.qemu

EMULATED = [b for b in list_boards() if b.emulated]


@pytest.fixture(scope="module")
def dense_model(tmp_path_factory):
    p = tmp_path_factory.mktemp("model") / "dense.tflite"
    p.write_bytes(fc_softmax_model(in_features=40, classes=6, seed=3))
    return p


class Booted:
    def __init__(self, board, elf):
        self.qemu = start_qemu(board, elf)
        try:
            self.dut = Dut.open(self.qemu.url, 115200, timeout=90.0)   # margin for a loaded CI machine
            self.banner = self.dut.wait_ready(60.0)
        except BaseException:
            self.qemu.stop()
            raise

    def stop(self):
        try:
            self.dut.close()
        finally:
            self.qemu.stop()


@pytest.fixture
def boot():
    booted = []

    def start(board, elf):
        b = Booted(board, elf)
        booted.append(b)
        return b
    yield start
    for b in booted:
        b.stop()
    assert not any(b.qemu.alive() for b in booted)


@pytest.mark.parametrize("board", EMULATED, ids=lambda b: b.name)
def test_board_runs_the_protocol_bit_exact(board, dense_model, tmp_path, boot):
    r = build_firmware(dense_model, board.name, tmp_path / "fw", benchmark_id="kws01")
    assert r["size"]["flash"]["total"] <= board.flash.size
    d = boot(board, r["elf"])
    exp = pc.Expect(model=str(dense_model), benchmark_id="kws01", counter_unit="instructions",
                    board=board.name)
    pc.check_boot(d.banner)
    pc.check_name(d.dut)
    pc.check_profile(d.dut, "kws01")
    pc.check_info(d.dut, exp)
    pc.check_errors(d.dut, exp)          # first: it starts with "nothing loaded yet"
    runs = pc.check_infer(d.dut, exp, seed=1, samples=2, n=2, warmup=1)
    assert all(run["unit"] == "us" and run["latency"] > 0 for run in runs)
    pc.check_layers(d.dut, exp, num_layers=2)
    pc.check_garbage(d.dut, exp)
    pc.check_name(d.dut)


def test_instruction_counts_are_deterministic(dense_model, tmp_path, boot):
    board = next(b for b in EMULATED if b.name == "mps2-an386")
    r = build_firmware(dense_model, board.name, tmp_path / "fw")
    counts = []
    for _ in range(2):
        d = boot(board, r["elf"])
        d.dut.load(bytes(40))
        d.dut.infer(4, 1)
        counts.append(d.dut.timing()["window_counter"])
        d.stop()
    # one SysTick (40 instructions) of jitter at most, from when the host's bytes arrived
    assert abs(counts[0] - counts[1]) <= 40 * 4


ZOO_ON_BOARDS = ["mul_se", "quantize_requant", "pad_asym", "conv_dilated_s2b"]


@pytest.mark.tf
@pytest.mark.parametrize("board", EMULATED, ids=lambda b: b.name)
def test_zoo_models_bit_exact_on_every_core(board, tmp_path, boot):
    """Every core's compiler (M0 soft-float to M7 double FPU) gives the host's exact bytes."""
    import numpy as np

    import zoo
    from oracle import run_ref, run_tflm
    for name in ZOO_ON_BOARDS:
        path = zoo.tflite_path(name)
        r = build_firmware(path, board.name, tmp_path / name)
        d = boot(board, r["elf"])
        oracle = run_ref if zoo.MODELS[name].ops & {"SPACE_TO_BATCH_ND", "RELU6"} else run_tflm
        x = zoo.random_inputs(path, 2, seed=5)
        want = oracle(path, x)
        for xi, wi in zip(x, want):
            d.dut.load(xi.astype(np.int8).tobytes())
            d.dut.infer(1, 0)
            assert d.dut.output() == wi.astype(np.int8).tobytes(), (board.name, name)
        d.stop()


@pytest.mark.parametrize("name", ["mps2-an386", "microbit"])
def test_energy_mode_builds_and_answers(name, dense_model, tmp_path, boot):
    """EEMBC energy mode (9600 baud, timestamps as marker pulses): no lap lines, but
    td-timing still gives the window, and profile reports latency and time from it."""
    from tinydeploy.measure.profile import profile_device
    board = next(b for b in EMULATED if b.name == name)
    r = build_firmware(dense_model, board.name, tmp_path / "fw", energy_mode=True)
    assert "#define TD_BOARD_BAUD 9600u" in (tmp_path / "fw" / "board" / "td_board.h").read_text()
    d = boot(board, r["elf"])
    pc.check_boot(d.banner, energy=True)
    pc.check_name(d.dut)
    exp = pc.Expect(model=str(dense_model), counter_unit="instructions", board=board.name,
                    energy=True)
    pc.check_timestamp(d.dut, energy=True)
    runs = pc.check_infer(d.dut, exp, seed=2, samples=1, n=3, warmup=0)
    assert runs[0]["latency"] is None                  # no lap lines in energy mode
    rep = profile_device(d.qemu.url, board=board, runs=2, dut=d.dut)
    assert rep["complete"], rep["error"]
    assert rep["latency"]["unit"] == "instructions" and rep["latency"]["value"] > 1000
    assert rep["time"]["clock"] == "virtual" and rep["time"]["value"] > 0
