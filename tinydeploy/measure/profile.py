"""`tinydeploy profile`: measure a device over the serial protocol.

Contract: `profile_device(url, ...)` drives a device (pyserial device path or URL such as
socket://) and returns one JSON-able report (schema: docs/schema/profile.schema.json):
latency per inference in the device's unit (us on real boards, instructions on emulated
ones, never passed off as time), throughput, per-layer breakdown with MACs, validation of
on-device outputs against the host reference (bit-exact count, max abs difference, top-1
agreement, accuracy with labels) and energy (estimate, or measured with a PPK2). If the
device stops answering, the report keeps what was gathered, with complete = False and the
error; nothing ever waits without a timeout.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..compiler.compiled import Compiled, as_compiled
from ..errors import TinyDeployError
from ..progress import steps
from ..target.benchmarks import benchmark
from ..target.boards import Board, as_board
from .dut import DeviceError, Dut
from .energy import estimate_energy
from .inputs import load_input_set

SCHEMA = "tinydeploy-profile/1"


class _HostReference:
    """The model's generated C compiled for the host: exact device arithmetic."""

    def __init__(self, compiled: Compiled):
        from ..compiler.hostrun import HostModel
        self.graph = compiled.graph
        self.host = HostModel(compiled.program, compiled.plan, compiled.tflite_bytes)

    def run(self, x: np.ndarray) -> np.ndarray:
        return self.host.run(x)

    def close(self):
        self.host.close()


def _empty_report(url: str) -> dict:
    return {"schema": SCHEMA, "complete": False, "error": None, "port": url, "device": {},
            "latency": None, "throughput": None, "per_layer": [], "validation": None,
            "energy": None, "garbage_lines": 0}


def profile_device(url: str, *, board: Board | str | None = None, inputs=None, runs: int = 10,
                   warmup: int = 1, validate: Compiled | str | Path | None = None, ppk2: str | None = None,
                   baudrate: int = 115200, timeout: float = 60.0, limit: int | None = None,
                   progress=None, dut: Dut | None = None) -> dict:
    """Profile the device at `url` (see module docstring)."""
    say = progress or (lambda msg: None)
    if runs < 1:
        raise TinyDeployError("--runs must be at least 1")
    b = as_board(board) if board else None
    report = _empty_report(url)
    ref = _HostReference(as_compiled(validate)) if validate else None
    own = dut is None
    try:
        if own:
            say(f"opening {url}")
            dut = Dut.open(url, baudrate, timeout=min(timeout, 10.0))
        try:
            _run(dut, report, b, inputs, runs, warmup, ref, ppk2, timeout, limit, say)
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
        dut.sync(5.0)


def _run(dut, report, b, inputs, runs, warmup, ref, ppk2, timeout, limit, say) -> None:
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
    unit = info["timer_unit"] if info else "us"
    dev["timer_unit"] = unit
    mode = info["input_mode"] if info else benchmark(dev["model_id"]).input_mode
    g = ref.graph if ref else None
    t_in = g.t(g.inputs[0]) if g else None
    if info:
        shape = [1] + list(info["inputs"][0]["shape"])
        scale, zp = info["inputs"][0]["scale"], info["inputs"][0]["zero_point"]
    elif t_in is not None:
        shape, scale, zp = list(t_in.shape), t_in.scale, t_in.zero_point
    else:
        raise TinyDeployError("the device has no td-info; pass --validate MODEL so the input "
                              "shape is known")
    samples = (load_input_set(inputs, mode, shape, scale, zp, limit) if inputs else [])
    first = samples[0].db if samples else bytes(
        int(np.prod(shape[1:])) * (4 if mode == "float32" else 1))

    say(f"timing {runs} inference(s) after {warmup} warm-up(s)")
    dut.load(first)
    r = dut.infer(runs, warmup, timeout=timeout)
    report["latency"] = {"value": r["latency"], "unit": unit, "runs": runs, "warmup": warmup}
    report["throughput"] = ({"value": 1e6 / r["latency"], "unit": "inferences/s"}
                            if unit == "us" and r["latency"] else None)
    if info and info.get("profiling"):
        layers = dut.layers()
        total = sum(layer["time"] for layer in layers) or 1
        report["per_layer"] = [dict(layer, unit=unit, share=layer["time"] / total)
                               for layer in layers]
    report["energy"] = estimate_energy(b, r["latency"], unit)
    if ppk2:
        from .ppk2 import measure_energy
        say(f"measuring current with the PPK2 on {ppk2}")
        report["energy"] = measure_energy(ppk2, dut, runs, b)
    if samples:
        report["validation"] = v = {
            "count": 0, "bit_exact": None, "max_abs_diff": None, "top1_agreement": None,
            "accuracy": None, "reference": "host build of the generated C" if ref else None}
        _validate(dut, samples, ref, info, timeout, say, v)


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
    if r["throughput"]:
        lines.append(f"         {r['throughput']['value']:,.2f} inferences/s")
    if r["per_layer"]:
        lines.append("layers   #  op                          MACs        " + lat["unit"])
        for layer in r["per_layer"]:
            lines.append(f"        {layer['index']:>2}  {layer['op']:<20}{layer['macs']:>12,}"
                         f"{layer['time']:>14,}  {layer['share'] * 100:5.1f}%")
    v = r["validation"]
    if v:
        parts = [f"{v['count']} inputs"]
        if v["bit_exact"] is not None:
            parts.append(f"{v['bit_exact']}/{v['count']} bit-exact with the host reference "
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
