"""`tinydeploy profile`: measure a device over the serial protocol.

Contract: `profile_device(url, ...)` drives a device (pyserial device path or URL such as
socket://) and returns one JSON-able report (schema: docs/schema/profile.schema.json):
latency per inference in the device's counter unit (us on real boards, exact instructions
on emulated ones, never passed off as time), time per inference in microseconds of the
device's clock (virtual on emulated boards: the nominal clock at one instruction per cycle,
labelled so), throughput, per-layer breakdown with MACs, validation of
on-device outputs against the host reference (bit-exact count, max abs difference, top-1
agreement, accuracy with labels) and energy (estimate, or measured with a PPK2). With
`cycle_log` (the log of a QEMU started with the cycle model, deploy/qemu.py) it also
reports "cycles": estimated cycles per inference and per layer, and the time they take at
the board's clock, all labelled estimates (measure/cycles.py). If the
device stops answering, the report keeps what was gathered, with complete = False and the
error; nothing ever waits without a timeout.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..compiler.codegen import model_hash
from ..compiler.compiled import Compiled, as_compiled
from ..deploy.benchmarks import benchmark
from ..deploy.boards import Board, as_board
from ..errors import TinyDeployError, printable
from ..progress import steps
from . import multi_io
from .cycles import CycleLog, unavailable
from .cycles import report as cycles_report
from .dut import DeviceError, Dut
from .energy import estimate_energy
from .inputs import load_input_set

SCHEMA = "tinydeploy-profile/1"
# Timed runs go to the device in `infer` commands of at most this many, so a long
# measurement never leaves the device deaf for longer than one chunk.
RUN_CHUNK = 100
MAX_WARMUP = RUN_CHUNK


class _HostReference:
    """The model's generated C compiled for the host: exact device arithmetic."""

    def __init__(self, compiled: Compiled):
        from ..compiler.hostrun import HostModel
        self.graph = compiled.graph
        self.name = compiled.name
        self.hash = model_hash(compiled.tflite_bytes)
        self.host = HostModel(compiled.program, compiled.plan, compiled.tflite_bytes)

    def run(self, x: np.ndarray) -> np.ndarray:
        return self.host.run(x)

    def close(self):
        self.host.close()


def _empty_report(url: str) -> dict:
    return {"schema": SCHEMA, "complete": False, "error": None, "port": url, "device": {},
            "latency": None, "time": None, "throughput": None, "per_layer": [], "validation": None,
            "energy": None, "cycles": None, "garbage_lines": 0}


def profile_device(url: str, *, board: Board | str | None = None, inputs=None, runs: int = 10,
                   warmup: int = 1, validate: Compiled | str | Path | None = None, ppk2: str | None = None,
                   baudrate: int = 115200, timeout: float = 60.0, limit: int | None = None,
                   progress=None, dut: Dut | None = None, cycle_log: Path | str | None = None,
                   cycle_note: str | None = None) -> dict:
    """Profile the device at `url` (see module docstring). cycle_note: why an emulated
    board has no cycle_log (reported as the cycles' note)."""
    say = progress or (lambda msg: None)
    if runs < 1:
        raise TinyDeployError("--runs must be at least 1")
    if not 0 <= warmup <= MAX_WARMUP:
        raise TinyDeployError(f"--warmup must be 0 to {MAX_WARMUP}")
    if limit is not None and limit < 1:
        raise TinyDeployError("--limit must be at least 1")
    b = as_board(board) if board else None
    report = _empty_report(url)
    ref = _HostReference(as_compiled(validate)) if validate else None
    own = dut is None
    try:
        if own:
            say(f"opening {url}")
            dut = Dut.open(url, baudrate, timeout=min(timeout, 10.0))
        try:
            cyc = CycleLog(cycle_log) if cycle_log else cycle_note
            _run(dut, report, b, inputs, runs, warmup, ref, ppk2, timeout, limit, say, cyc)
            report["complete"] = True
        except DeviceError as exc:
            report["error"] = str(exc)
        finally:
            report["garbage_lines"] = len(dut.garbage)
            if own:
                dut.close()
    finally:
        if ref is not None:
            ref.close()
    return report


def _connect(dut: Dut, say) -> None:
    """A device just started by QEMU prints its banner; one already running does not."""
    say("waiting for the device")
    try:
        dut.wait_ready(3.0)
    except DeviceError:
        dut.settle(10.0)


def _run(dut, report, b, inputs, runs, warmup, ref, ppk2, timeout, limit, say, cyc) -> None:
    _connect(dut, say)
    dev = report["device"]
    dev["name"] = dut.name()
    dev["model_id"] = dut.profile()["model"]
    try:
        info = dut.info()
    except DeviceError as exc:
        if "Unknown command" not in str(exc):
            raise
        info = None            # standard MLPerf Tiny firmware: no tinydeploy extensions
    dev["info"] = info
    b = _check_identity(info, b, ref)
    unit = info["counter_unit"] if info else "us"
    dev["counter_unit"] = unit
    mode = info["input_mode"] if info else benchmark(dev["model_id"]).input_mode
    g = ref.graph if ref else None
    if info and len(info["inputs"]) > 1 and g is None:
        raise TinyDeployError(f"the device's model has {len(info['inputs'])} inputs; pass "
                              "--validate MODEL so every input is known")
    if g is not None and multi_io.needs(g):
        if info is None:
            raise TinyDeployError("the device has no td-info (td-in/td-out): it cannot take a "
                                  "model with several or non-int8 inputs/outputs")
        multi_io.check_mode(g, mode)
        msamples = multi_io.load_samples(inputs, g, limit) if inputs else []
        first_dbs = msamples[0].dbs if msamples else multi_io.zero_dbs(g)
        samples = msamples

        def check(v):
            multi_io.validate(dut, msamples, ref.host, g, timeout, say, v)
    else:
        t_in = g.t(g.inputs[0]) if g else None
        if info:
            shape = [1] + list(info["inputs"][0]["shape"])
            scale, zp = info["inputs"][0]["scale"], info["inputs"][0]["zero_point"]
        elif t_in is not None:
            shape, scale, zp = list(t_in.shape), t_in.scale, t_in.zero_point
        else:
            raise TinyDeployError("the device has no td-info; pass --validate MODEL so the "
                                  "input shape is known")
        samples = (load_input_set(inputs, mode, shape, scale, zp, limit) if inputs else [])
        first_dbs = [samples[0].db if samples else bytes(
            int(np.prod(shape[1:])) * (4 if mode == "float32" else 1))]

        def check(v):
            _validate(dut, samples, ref, info, timeout, say, v)

    say(f"timing {runs} inference(s) after {warmup} warm-up(s)")
    multi_io.load_all(dut, first_dbs)
    log = cyc if isinstance(cyc, CycleLog) and info else None
    profiled = info["layers"] if info and info.get("profiling") else 0
    count, us = _timed_runs(dut, runs, warmup, timeout, info is not None, log, profiled)
    report["latency"] = {"value": count, "unit": unit, "runs": runs, "warmup": warmup}
    clock = info.get("clock", "hardware") if info else "hardware"
    report["time"] = {"value": us, "unit": "us", "clock": clock,
                      "clock_hz": info.get("clock_hz") if info else None} if us else None
    report["throughput"] = ({"value": 1e6 / us, "unit": "inferences/s"} if us else None)
    if info and info.get("profiling"):
        layers = dut.layers()
        total = sum(layer["time"] for layer in layers) or 1
        report["per_layer"] = [dict(layer, unit=unit, share=layer["time"] / total)
                               for layer in layers]
    if log is not None:
        report["cycles"] = cycles_report(log, count, info.get("clock_hz"),
                                         b.core if b else "?", report["per_layer"])
    elif isinstance(cyc, str):
        report["cycles"] = unavailable(cyc)
    report["energy"] = estimate_energy(b, count, unit)
    if ppk2:
        from .ppk2 import measure_energy
        say(f"measuring current with the PPK2 on {ppk2}")
        report["energy"] = measure_energy(ppk2, dut, runs, b)
    if samples:
        report["validation"] = v = {
            "count": 0, "bit_exact": None, "max_abs_diff": None, "top1_agreement": None,
            "accuracy": None, "reference": "host build of the generated C" if ref else None}
        check(v)


def _timed_runs(dut, runs, warmup, timeout, exact, log=None,
                profiled=0) -> tuple[float | None, float | None]:
    """(counter, microseconds) per inference over `runs` timed runs, sent in chunks of at
    most RUN_CHUNK. exact: read each chunk's window with td-timing (also in energy mode);
    else the lap lines (standard firmware: microseconds). log: a CycleLog that takes each
    chunk's counter reads (`profiled` layers per run)."""
    count = us = 0
    done = 0
    while done < runs:
        n = min(RUN_CHUNK, runs - done)
        r = dut.infer(n, warmup if done == 0 else 0, timeout=timeout)
        if log is not None:
            log.infer(n, warmup if done == 0 else 0, profiled)
        if exact:
            t = dut.timing()
            count, us = count + t["window_counter"], us + t["window_us"]
        elif r["elapsed"] is None:
            return None, None
        else:
            count, us = count + r["elapsed"], us + r["elapsed"]
        done += n
    return count / runs, us / runs


def _check_identity(info, b: Board | None, ref) -> Board | None:
    """Refuse a --board or --validate model other than what the device says it runs; with
    no --board, the device's own board (when tinydeploy knows it) gives the power model."""
    if info is None:
        return b
    if b is not None and info.get("board") and info["board"] != b.name:
        raise TinyDeployError(
            f"the device runs firmware built for board '{printable(info['board'])}', not "
            f"'{b.name}'; pass --board {printable(info['board'])} or leave --board out")
    if ref is not None and info.get("hash") and info["hash"] != ref.hash:
        raise TinyDeployError(
            f"the device runs model '{printable(info['model'])}' (hash {printable(info['hash'])}), "
            f"not {printable(ref.name)} (hash {ref.hash}); flash that model first (tinydeploy "
            "build + flash) or pass --validate with the model the device runs")
    if b is None and info.get("board"):
        try:
            b = as_board(info["board"])
        except TinyDeployError:
            pass
    return b


def _validate(dut, samples, ref, info, timeout, say, v: dict) -> None:
    """Fill `v` input by input, so a lost device leaves the counts so far. With labels,
    v["confusion"][true][predicted] counts the device's top-1 answers."""
    exact = agree = correct = labelled = 0
    max_diff = 0
    host = ref.run(np.stack([s.int8 for s in samples])) if ref else None
    with steps(say, len(samples), "checking outputs: input") as tick:
        for k, s in enumerate(samples):
            tick()
            dut.load(s.db)
            res = dut.infer(1, 0, timeout=timeout)
            if info:
                out = np.frombuffer(dut.output(), np.int8)
                score = out
            else:
                out, score = None, np.asarray(res["results"])
            if host is not None and out is not None:
                h = host[k].reshape(-1)
                diff = int(np.abs(out.astype(int) - h.astype(int)).max())
                max_diff = max(max_diff, diff)
                exact += int(diff == 0)
                agree += int(out.argmax() == h.argmax())
            if s.label is not None:
                labelled += 1
                pred = int(np.asarray(score).argmax())
                correct += int(pred == s.label)
                _count(v, int(s.label), pred, np.asarray(score).size)
            v["count"] = k + 1
            if host is not None and out is not None:
                v.update(bit_exact=exact, max_abs_diff=max_diff, top1_agreement=agree)
            if labelled:
                v["accuracy"] = correct / labelled
                v["correct"] = correct


def _count(v: dict, label: int, pred: int, classes: int) -> None:
    n = max(classes, label + 1, len(v.get("confusion") or []))
    m = v.setdefault("confusion", [])
    for row in m:
        row.extend([0] * (n - len(row)))
    m.extend([0] * n for _ in range(n - len(m)))
    m[label][pred] += 1


def format_profile(r: dict) -> str:
    lines = []
    dev = r["device"]
    if dev:
        lines.append(f"device   {dev.get('name')} model {dev.get('model_id')} on {r['port']}"
                     + (f" (board {dev['info'].get('board')})" if dev.get("info") else ""))
    lat = r["latency"]
    if lat:
        what = "instructions per inference (emulated: not time)" if lat["unit"] == "instructions" \
            else "us per inference"
        lines.append(f"latency  {lat['value']:,.1f} {what}, {lat['runs']} runs")
    cy = r.get("cycles")
    if cy and cy["value"] is not None:
        lines.append(f"cycles   {cy['value']:,.1f} per inference, estimated "
                     f"({cy['per_instruction']:.2f} per instruction; {cy['model']})")
        if cy["time_us"] is not None:
            lines.append(f"time     {cy['time_us']:,.1f} us per inference, estimated (those "
                         f"cycles at {cy['clock_hz'] / 1e6:g} MHz)")
    elif cy:
        lines.append(f"cycles   no estimate: {cy['note']}")
    tm = r.get("time")
    if tm:
        how = (f"virtual clock: {tm['clock_hz'] / 1e6:g} MHz at 1 instruction/cycle"
               if tm["clock"] == "virtual" and tm.get("clock_hz") else "device clock")
        lead = "         " if cy and cy["value"] is not None else "time     "
        lines.append(f"{lead}{tm['value']:,.1f} us per inference ({how})")
    if r["throughput"]:
        lines.append(f"         {r['throughput']['value']:,.2f} inferences/s")
    if r["per_layer"]:
        cyc = all("cycles" in layer for layer in r["per_layer"])
        lines.append("layers   #  op                          MACs        " + lat["unit"]
                     + ("   est. cycles" if cyc else ""))
        for layer in r["per_layer"]:
            lines.append(f"        {layer['index']:>2}  {layer['op']:<20}{layer['macs']:>12,}"
                         f"{layer['time']:>14,}  {layer['share'] * 100:5.1f}%"
                         + (f"{layer['cycles']:>14,}" if cyc else ""))
    v = r["validation"]
    if v:
        parts = [f"{v['count']} inputs"]
        if v["bit_exact"] is not None:
            parts.append(f"{v['bit_exact']}/{v['count']} bit-exact with the host reference "
                         + (f"(all {v['outputs']} outputs) " if v.get("outputs", 1) > 1 else "") +
                         f"(max |diff| {v['max_abs_diff']}), top-1 agreement "
                         f"{v['top1_agreement']}/{v['count']}")
        if v["accuracy"] is not None:
            parts.append(f"accuracy {v['accuracy'] * 100:.2f}%")
        lines.append("check    " + "; ".join(parts))
    e = r["energy"]
    if e:
        val = "n/a" if e["value"] is None else f"{e['value']:,.2f} uJ per inference"
        lines.append(f"energy   {val} ({e['kind']}: {e['basis']})")
    if not r["complete"]:
        lines.append(f"INCOMPLETE: {r['error']}")
    return "\n".join(lines)
