"""Estimated cycles on emulated boards: the cycle model's log (deploy/cycle_model.py) paired
with the harness's own counter reads.

Contract: the plugin logs (instructions, cycles) at every entry into td_port_counter(). The
harness reads that counter, per `infer n w` command, exactly so: once before each model
invoke and once after each layer when layer profiling is on (td_run_once,
td_profile_layer_end), and once before and after the n timed runs (td_timed_runs). One
infer thus adds w*(1+L) + 1 + n*(1+L) + 1 entries, L = the layers if profiled else 0.
`CycleLog.infer(n, w, L)` takes the entries of one infer; `report()` turns the windows
into the profile's "cycles". Entries that do not fit that sequence, or instruction counts
that differ from the device's by more than its counter resolution, leave the report without
cycles and with a note saying why. Why a side channel: the guest cannot read the plugin's
count (QEMU 7.2 plugins cannot write guest memory).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..deploy.cycle_model import read_marks

# Device counts are whole SysTick ticks (at most 62.5 instructions on the shipped boards);
# two reads bound a window, so the plugin's exact count may differ by two ticks.
TOLERANCE = 150
MODEL = "td_cycles QEMU plugin: {core} TRM instruction timings, zero wait states"


class CycleLogError(Exception):
    """The cycle log does not pair with the device's counts."""


@dataclass
class Window:
    runs: int
    instructions: int          # the plugin's count over the timed window
    cycles: int
    layer_instructions: list[int]   # per layer, the last run
    layer_cycles: list[int]


class CycleLog:
    """The plugin's log, read from the entries that follow its state at creation; `windows`
    holds one Window per infer, `error` the first pairing failure."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._seen = len(read_marks(self.path))
        self.windows: list[Window] = []
        self.error: str | None = None

    def infer(self, n: int, warmup: int, layers: int) -> None:
        marks = read_marks(self.path)
        new, self._seen = marks[self._seen:], len(marks)
        per = 1 + layers
        if len(new) != warmup * per + 2 + n * per:
            self.error = self.error or (
                f"the cycle log has {len(new)} counter reads for 'infer {n} {warmup}', not "
                f"{warmup * per + 2 + n * per}")
            return
        (i0, c0), (i1, c1) = new[warmup * per], new[-1]
        last = new[-1 - per:-1]
        self.windows.append(Window(n, i1 - i0, c1 - c0,
                                   [b[0] - a[0] for a, b in zip(last, last[1:])],
                                   [b[1] - a[1] for a, b in zip(last, last[1:])]))


def _check(what: str, device: float, plugin: float) -> None:
    if abs(device - plugin) > TOLERANCE:
        raise CycleLogError(f"the cycle log counts {plugin:,.0f} instructions for {what}, the "
                            f"device {device:,.0f}: they do not pair")


def report(log: CycleLog, device_instructions: float, clock_hz: int | None, core: str,
           rows: list[dict]) -> dict:
    """The report's "cycles": estimated cycles per inference over all timed windows, their
    ratio to instructions and the time they take at the board's clock (an estimate); each
    per-layer row gets "cycles" (the last run). Unpaired counts give value None and a note."""
    try:
        if log.error or not log.windows:
            raise CycleLogError(log.error or "the cycle log has no timed runs")
        runs = sum(w.runs for w in log.windows)
        insns = sum(w.instructions for w in log.windows)
        _check("the timed runs", device_instructions * runs, insns)
        last = log.windows[-1]
        if rows and len(rows) != len(last.layer_cycles):
            raise CycleLogError(f"the cycle log has {len(last.layer_cycles)} layers, the "
                                f"device {len(rows)}")
        for row, n in zip(rows, last.layer_instructions):
            _check(f"layer {row['index']}", row["time"], n)
    except CycleLogError as exc:
        return unavailable(str(exc))
    for row, cyc in zip(rows, last.layer_cycles):
        row["cycles"] = cyc
    value = sum(w.cycles for w in log.windows) / runs
    return {"value": value, "unit": "cycles", "estimate": True,
            "model": MODEL.format(core=core), "per_instruction": value * runs / insns,
            "time_us": value * 1e6 / clock_hz if clock_hz else None, "clock_hz": clock_hz,
            "note": None}


def unavailable(note: str) -> dict:
    """The report's "cycles" on an emulated board without an estimate, and why."""
    return {"value": None, "unit": "cycles", "estimate": True, "model": None,
            "per_instruction": None, "time_us": None, "clock_hz": None, "note": note}
