"""Measured energy per inference with a Nordic Power Profiler Kit II (ppk2-api package).

Wiring: the PPK2 in ampere-meter mode in series with the board's supply, and its logic
input D0 on the board's marker pin (TD_PORT_MARKER_PIN). The harness drives the marker low
exactly while the timed inferences of `infer N 0` run, so the inference window is where D0
is low. Energy per inference = supply voltage x integral of current over the window / N.
The PPK2 streams 100,000 samples per second.
"""
from __future__ import annotations

import threading
import time

from ..errors import TinyDeployError

SAMPLE_S = 1e-5          # PPK2: 100 kS/s


class PPK2Error(TinyDeployError):
    """The power profiler could not be used or saw no inference window."""


def _open(port: str, voltage_mv: int):
    try:
        from ppk2_api.ppk2_api import PPK2_API
    except ImportError:
        raise PPK2Error("the ppk2-api package is missing: pip install ppk2-api") from None
    try:
        ppk = PPK2_API(port, timeout=1, write_timeout=1)
    except Exception as exc:  # pyserial raises SerialException/OSError
        raise PPK2Error(f"cannot open the PPK2 on {port}: {exc}") from None
    if not ppk.get_modifiers():
        raise PPK2Error(f"{port} did not answer like a PPK2 (no calibration metadata); "
                        "check the port (PPK2s show up as 'PPK2')")
    ppk.use_ampere_meter()
    ppk.set_source_voltage(voltage_mv)
    return ppk


def window_energy(samples_ua: list[float], logic: list[int], voltage: float,
                  runs: int) -> tuple[float, float]:
    """(uJ per inference, seconds in the window) from PPK2 samples: D0 low frames the runs.
    Only the first low stretch counts; D0 must be high before it (the idle level)."""
    start = end = None
    for i, bits in enumerate(logic):
        low = not (bits & 1)
        if start is None:
            if low and i > 0 and (logic[i - 1] & 1):
                start = i
        elif not low:
            end = i
            break
    if start is None or end is None:
        raise PPK2Error("no complete marker window (D0 high -> low -> high) in the PPK2 "
                        "capture: connect the board's marker pin to the PPK2 logic input D0")
    charge_uas = sum(samples_ua[start:end]) * SAMPLE_S          # uA * s
    return voltage * charge_uas / runs, (end - start) * SAMPLE_S


def measure_energy(port: str, dut, runs: int, board=None, settle_s: float = 0.2) -> dict:
    """Run `infer runs 0` on the device while the PPK2 samples; return the energy report."""
    volts = float(board.power.get("voltage", 3.3)) if board is not None else 3.3
    ppk = _open(port, int(volts * 1000))
    data = bytearray()
    stop = threading.Event()

    def pump():
        while not stop.is_set():
            chunk = ppk.get_data()
            if chunk:
                data.extend(chunk)
            time.sleep(0.01)

    ppk.start_measuring()
    t = threading.Thread(target=pump, daemon=True)
    t.start()
    try:
        time.sleep(settle_s)
        dut.load(bytes(dut.info()["db_bytes"]))
        dut.infer(runs, 0)
        time.sleep(settle_s)
    finally:
        stop.set()
        t.join(2)
        ppk.stop_measuring()
    samples, logic = ppk.get_samples(bytes(data))
    uj, seconds = window_energy(samples, logic, volts, runs)
    return {"value": uj, "unit": "uJ", "kind": "measured",
            "basis": f"PPK2 on {port}: {seconds * 1e3:.3f} ms window over {runs} inference(s) "
                     f"at {volts:g} V, {len(samples):,} samples"}
