"""PPK2 energy measurement against a simulated PPK2 at the serial boundary: a thread plays
the PPK2's side of its USB serial protocol on a pseudo-terminal (metadata on request, then a
stream of 4-byte samples with logic bits), so ppk2-api and our integration run for real."""
import os
import struct
import threading
import time
import tty

import pytest

from tinydeploy.measure.ppk2 import PPK2Error, measure_energy, window_energy

pytestmark = pytest.mark.unit

R1 = 101.65                       # range 1 resistor in the PPK2's default calibration
ADC_MULT = 1.8 / 163840


def _word(current_ua: float, logic: int) -> bytes:
    adc = round(current_ua * 1e-6 * R1 / ADC_MULT / 4)
    return struct.pack("<I", (adc & 0x3FFF) | (1 << 14) | (logic << 24))


class SimulatedPPK2:
    """Idle 1 mA with D0 high, then `window` samples at 5 mA with D0 low, then idle."""

    def __init__(self, window: int = 2000, idle: int = 500, with_marker: bool = True):
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave
        self.window, self.idle, self.with_marker = window, idle, with_marker
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        streaming = False
        sent = False
        while not self.stop.is_set():
            try:
                import select
                r, _, _ = select.select([self.master], [], [], 0.01)
                if r:
                    cmd = os.read(self.master, 64)
                    if 0x19 in cmd:                       # GET_META_DATA
                        os.write(self.master, b"Calibrated: 0\nR0: 1031.64\nR1: 101.65\nHW: 1\nEND\n")
                    if 0x06 in cmd:                       # AVERAGE_START
                        streaming = True
                if streaming and not sent:
                    time.sleep(0.05)
                    hi = 0 if self.with_marker else 1
                    stream = (_word(1000, 1) * self.idle + _word(5000, hi) * self.window
                              + _word(1000, 1) * self.idle)
                    os.write(self.master, stream)
                    sent = True
            except OSError:
                return

    def close(self):
        self.stop.set()
        os.close(self._slave)


class FakeDut:
    """Stands in for the board at its serial boundary: only the calls measure_energy makes."""
    def __init__(self):
        self.calls = []

    def info(self):
        return {"db_bytes": 4}

    def load(self, data):
        self.calls.append(("load", len(data)))

    def infer(self, n, w):
        self.calls.append(("infer", n, w))


def test_window_energy_integrates_only_the_marked_window():
    samples = [1000.0] * 10 + [5000.0] * 100 + [1000.0] * 10
    logic = [1] * 10 + [0] * 100 + [1] * 10
    uj, seconds = window_energy(samples, logic, 3.0, runs=4)
    assert seconds == pytest.approx(100e-5)
    assert uj == pytest.approx(3.0 * 5000 * 100e-5 / 4)        # V * uA * s / runs


def test_measured_energy_with_simulated_ppk2():
    sim = SimulatedPPK2(window=2000)
    dut = FakeDut()
    try:
        rep = measure_energy(sim.path, dut, runs=10, board=None, settle_s=0.3)
    finally:
        sim.close()
    assert dut.calls == [("load", 4), ("infer", 10, 0)]
    assert rep["kind"] == "measured" and rep["unit"] == "uJ"
    # 2000 samples * 10 us * 5 mA * 3.3 V / 10 runs = 33 uJ (within ADC quantization)
    assert rep["value"] == pytest.approx(33.0, rel=0.01)


def test_missing_marker_is_a_clear_error_with_simulated_ppk2():
    sim = SimulatedPPK2(with_marker=False)
    try:
        with pytest.raises(PPK2Error, match="marker pin"):
            measure_energy(sim.path, FakeDut(), runs=1, settle_s=0.3)
    finally:
        sim.close()


def test_wrong_port_is_a_clear_error(tmp_path):
    with pytest.raises(PPK2Error, match="cannot open the PPK2"):
        measure_energy(str(tmp_path / "nope"), FakeDut(), runs=1)
