"""Reusable checks of the serial protocol (docs/protocol.md) against any device: the host
build (tests/host_c/test_protocol.py) and emulated or real boards.

Every check takes a connected `tinydeploy.measure.dut.Dut` plus what the device is expected to hold
and fails with an AssertionError (or the Dut's DeviceError) on any deviation. Expected
values are computed here from the .tflite with TFLite Micro (tests/oracle.py) and numpy,
doing in float32 exactly what the firmware does, so results compare as text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from tinydeploy.compiler.reader import load_model

from oracle import run_tflm

FW_VERSION = "ULPMark for tinyML Firmware V0.0.1"


@dataclass
class Expect:
    """What a firmware build should report."""
    model: str                      # path of the .tflite
    vendor: str = "tinydeploy"
    benchmark_id: str | None = None   # None: the model's own name
    input_mode: str = "int8"
    results_mode: str = "scores"
    counter_unit: str = "us"        # "instructions" on emulated boards
    board: str | None = None
    build_id: str | None = None
    profiling: bool = True
    energy: bool = False


# ---- expected values -----------------------------------------------------------------------

def model_io(model_path) -> dict:
    g = load_model(model_path)
    i, o = g.t(g.inputs[0]), g.t(g.outputs[0])
    return {"name": g.name, "in_size": i.size, "out_size": o.size,
            "in_shape": tuple(i.shape), "out_shape": tuple(o.shape),
            "in_scale": np.float32(i.scale), "in_zp": i.zero_point,
            "out_scale": np.float32(o.scale), "out_zp": o.zero_point,
            "in_name": i.name, "out_name": o.name}


def db_bytes(io: dict, input_mode: str) -> int:
    return io["in_size"] * (4 if input_mode == "float32" else 1)


def quantize_like_device(x: np.ndarray, scale, zp: int) -> np.ndarray:
    """round(x / scale) + zp in float32, ties away from zero, clamped to int8."""
    v = np.asarray(x, dtype=np.float32) / np.float32(scale)
    r = np.trunc(v)
    frac = (v - r).astype(np.float64)
    r = r.astype(np.float64) + (frac >= 0.5) - (frac <= -0.5)
    return np.clip(r + zp, -128, 127).astype(np.int8)


def random_db(io: dict, input_mode: str, rng: np.random.Generator) -> bytes:
    """A random input buffer as the host would load it."""
    n = io["in_size"]
    if input_mode == "float32":
        # around the representable range, including values that saturate
        span = float(io["in_scale"]) * 140.0
        x = rng.uniform(-span, span, n).astype(np.float32)
        edge = [0.0, float(io["in_scale"]) * 2.5, -float(io["in_scale"]) * 0.5]
        x[: min(3, n)] = edge[: min(3, n)]
        return x.astype("<f4").tobytes()
    return rng.integers(0, 256, n, dtype=np.uint8).tobytes()


def device_input(db: bytes, io: dict, input_mode: str) -> np.ndarray:
    """The int8 model input the device makes of the buffer."""
    if input_mode == "int8":
        return np.frombuffer(db, dtype=np.int8).copy()
    if input_mode == "uint8-offset":
        return (np.frombuffer(db, dtype=np.uint8).astype(np.int16) - 128).astype(np.int8)
    x = np.frombuffer(db, dtype="<f4")
    return quantize_like_device(x, io["in_scale"], io["in_zp"])


def float_input(db: bytes, io: dict, input_mode: str) -> np.ndarray:
    if input_mode == "float32":
        return np.frombuffer(db, dtype="<f4").astype(np.float32)
    q = device_input(db, io, input_mode).astype(np.int32) - io["in_zp"]
    return q.astype(np.float32) * io["in_scale"]


def expected(model_path, db: bytes, input_mode: str, results_mode: str) -> tuple[bytes, list[str]]:
    """(raw int8 output bytes from TFLite Micro, the m-results values as text)."""
    io = model_io(model_path)
    x = device_input(db, io, input_mode).reshape((1,) + io["in_shape"][1:])
    out = run_tflm(model_path, x).reshape(-1).astype(np.int8)
    deq = (out.astype(np.int32) - io["out_zp"]).astype(np.float32) * io["out_scale"]
    if results_mode == "mse":
        fin = float_input(db, io, input_mode)
        s = np.float32(0.0)
        for d, x_i in zip(deq, fin):
            diff = np.float32(d - x_i)
            s = np.float32(s + np.float32(diff * diff))
        values = [np.float32(s / np.float32(len(deq)))]
    else:
        values = list(deq)
    return out.tobytes(), [format(float(v), ".3f") for v in values]


# ---- checks ----------------------------------------------------------------------------------

def check_boot(lines: list[str], energy: bool = False) -> None:
    if energy:
        assert lines == ["m-timestamp-mode-energy", "m-init-done", "m-ready"], lines
        return
    assert len(lines) == 4, lines
    assert lines[0] == "m-timestamp-mode-performance"
    assert re.fullmatch(r"m-lap-us-\d+", lines[1]), lines[1]
    assert int(lines[1][9:]) < 2 ** 32
    assert lines[2:] == ["m-init-done", "m-ready"]


def check_name(dut, vendor: str = "tinydeploy") -> None:
    assert dut.command("name") == [f"m-name-dut-[{vendor}]", "m-ready"]
    assert dut.name() == vendor


def check_profile(dut, benchmark_id: str) -> None:
    assert dut.command("profile") == [f"m-profile-[{FW_VERSION}]", f"m-model-[{benchmark_id}]",
                                      "m-ready"]


def check_timestamp(dut, energy: bool = False) -> None:
    a = dut.timestamp()
    b = dut.timestamp()
    if energy:
        assert a is None and b is None
    else:
        assert (b - a) % 2 ** 32 < 2 ** 31       # the timer runs forward


def check_help(dut) -> None:
    lines = dut.command("help")
    assert lines[-1] == "m-ready" and len(lines) > 5
    assert all(x.startswith("m-help-[") for x in lines[:-1])
    text = "\n".join(lines)
    for cmd in ("name", "profile", "timestamp", "db load", "db print", "infer", "results",
                "td-info", "td-layers", "td-timing", "td-out"):
        assert cmd in text, cmd


def check_db_print(dut, data: bytes) -> None:
    dut.load(data)
    lines = dut.command("db print")
    want = [data[i:i + 8] for i in range(0, len(data), 8)]
    assert lines[:-1] == ["m-buffer-" + "-".join(f"{b:02x}" for b in chunk) for chunk in want]
    assert dut.buffer() == data


def check_infer(dut, exp: Expect, seed: int = 0, samples: int = 3, n: int = 3,
                warmup: int = 1) -> list[dict]:
    """Full db load / db / infer / results / td-out cycle on random inputs: outputs equal
    TFLite Micro's bit for bit, results equal the dequantized oracle as text."""
    io = model_io(exp.model)
    rng = np.random.default_rng(seed)
    runs = []
    for _ in range(samples):
        db = random_db(io, exp.input_mode, rng)
        raw, text = expected(exp.model, db, exp.input_mode, exp.results_mode)
        dut.load(db)
        r = dut.infer(n, warmup)
        lines = dut.command("results")
        assert lines == [f"m-results-[{','.join(text)}]", "m-ready"], (lines, text)
        assert np.allclose(r["results"], [float(t) for t in text], atol=0.0005, rtol=0)
        assert dut.results() == r["results"]
        if not exp.energy:
            assert r["unit"] == "us"
            assert r["elapsed"] is not None and r["elapsed"] < 2 ** 31
            assert r["latency"] == r["elapsed"] / n
        check_timing(dut, exp, n, r)
        assert dut.output() == raw
        runs.append(r)
    return runs


def check_timing(dut, exp: Expect, n: int, r: dict) -> dict:
    """td-timing gives the infer window: the lap lines' microseconds exactly, and the
    counter; on emulated boards the microseconds are the instructions at the board's
    nominal clock (one per cycle), up to the few instructions of the timer reads."""
    t = dut.timing()
    assert t["runs"] == n and t["counter_unit"] == exp.counter_unit
    if not exp.energy:
        assert t["window_us"] == r["elapsed"]
    if exp.counter_unit == "instructions":
        mhz = dut.info()["clock_hz"] / 1e6
        assert t["window_counter"] > 0
        assert abs(t["window_us"] - t["window_counter"] / mhz) <= 20, (t, mhz)
    return t


def check_warmup_zero_and_default(dut, exp: Expect, seed: int = 5) -> None:
    """W = 0 and the omitted W (10) give the same bytes."""
    io = model_io(exp.model)
    db = random_db(io, exp.input_mode, np.random.default_rng(seed))
    raw, text = expected(exp.model, db, exp.input_mode, exp.results_mode)
    dut.load(db)
    lines = dut.command("infer 2 0")
    assert lines[:3] == ["m-warmup-start-0", "m-warmup-done", "m-infer-start-2"]
    assert dut.output() == raw
    lines = dut.command("infer 1")
    assert lines[0] == "m-warmup-start-10" and lines[2] == "m-infer-start-1"
    assert lines[-2] == f"m-results-[{','.join(text)}]"
    assert dut.output() == raw


def check_info(dut, exp: Expect) -> dict:
    io = model_io(exp.model)
    info = dut.info()
    assert info["model"] == io["name"]
    assert info["timer_unit"] == "us"
    assert info["counter_unit"] == exp.counter_unit
    assert info["clock"] == ("virtual" if exp.counter_unit == "instructions" else "hardware")
    assert info["input_mode"] == exp.input_mode
    assert info["results_mode"] == exp.results_mode
    assert info["benchmark"] == (exp.benchmark_id or io["name"])
    if exp.board is not None:
        assert info["board"] == exp.board
    if exp.build_id is not None:
        assert info["build"] == exp.build_id
    assert re.fullmatch(r"[0-9a-f]{16}", info["hash"])
    assert info["profiling"] is exp.profiling
    (inp,), (out,) = info["inputs"], info["outputs"]
    assert inp["shape"] == io["in_shape"] and inp["bytes"] == io["in_size"]
    assert np.float32(inp["scale"]) == io["in_scale"] and inp["zero_point"] == io["in_zp"]
    assert out["shape"] == io["out_shape"] and out["bytes"] == io["out_size"]
    assert np.float32(out["scale"]) == io["out_scale"] and out["zero_point"] == io["out_zp"]
    assert info["db_bytes"] == db_bytes(io, exp.input_mode)
    assert info["arena_bytes"] > 0 and info["layers"] > 0
    assert info["input_restore"] in ("unknown", "yes", "no")
    return info


def check_layers(dut, exp: Expect, num_layers: int) -> list[dict]:
    io = model_io(exp.model)
    dut.load(random_db(io, exp.input_mode, np.random.default_rng(3)))
    dut.infer(2, 1)
    if not exp.profiling:
        lines = dut.command("td-layers", check=False)
        assert len(lines) == 2 and lines[0].startswith("e-[") and lines[1] == "m-ready"
        return []
    rows = dut.layers()
    assert len(rows) == num_layers
    assert [r["index"] for r in rows] == list(range(num_layers))
    assert all(r["time"] >= 0 and r["macs"] >= 0 and r["op"] for r in rows)
    assert sum(r["macs"] for r in rows) > 0
    return rows


def expect_error(dut, cmd: str, pattern: str | None = None, vendor: str = "tinydeploy") -> str:
    """`cmd` is answered with exactly one e-[...] line and m-ready, and the device still
    answers name% afterwards. Returns the error text."""
    lines = dut.command(cmd, check=False)
    assert len(lines) == 2 and lines[1] == "m-ready", lines
    m = re.fullmatch(r"e-\[(.*)\]", lines[0])
    assert m, lines
    if pattern is not None:
        assert re.search(pattern, m.group(1)), (cmd, m.group(1))
    check_name(dut, vendor)
    return m.group(1)


def check_errors(dut, exp: Expect) -> None:
    """Every malformed command gets e-[...] + m-ready and leaves the device responsive."""
    io = model_io(exp.model)
    cap = db_bytes(io, exp.input_mode)
    v = exp.vendor
    # before any load
    expect_error(dut, "infer 1 0", r"[Nn]o input", v)
    expect_error(dut, "results", r"[Nn]o inference", v)
    expect_error(dut, "td-out", r"[Nn]o inference", v)
    expect_error(dut, "db 00", r"db load", v)
    # framing
    expect_error(dut, "x" * 81, r"too long", v)
    expect_error(dut, "y" * 80, r"^Unknown command: y{80}$", v)
    expect_error(dut, "db " + "0" * 200, r"too long", v)
    expect_error(dut, "frobnicate", r"^Unknown command: frobnicate$", v)
    expect_error(dut, "NAME", r"^Unknown command: NAME$", v)
    expect_error(dut, "name extra", r"argument", v)
    # db
    expect_error(dut, "db", r"subcommand", v)
    expect_error(dut, "db load", r"# of bytes", v)
    expect_error(dut, "db load 0", None, v)
    expect_error(dut, f"db load {cap + 1}", str(cap), v)
    expect_error(dut, "db load 99999999999", r"Invalid number", v)
    expect_error(dut, "db load -4", r"Invalid number", v)
    expect_error(dut, "db load 12abc", r"Invalid number", v)
    assert dut.command(f"db load {cap}") == [f"m-[Expecting {cap} bytes]", "m-ready"]
    expect_error(dut, "db abc", r"^Insufficent number of hex digits$", v)
    expect_error(dut, "db 0g", r"^Invalid hex digit '0g'$", v)
    expect_error(dut, "db 00zz", r"^Invalid hex digit 'zz'$", v)
    expect_error(dut, "db 00 11", r"argument", v)
    # nothing was stored by the refused commands
    assert dut.command("db 7f") == (["m-load-done", "m-ready"] if cap == 1 else ["m-ready"])
    # incomplete input
    if cap > 1:
        expect_error(dut, "infer 1 0", r"incomplete", v)
    # infer arguments
    expect_error(dut, "infer 0", r">0", v)
    expect_error(dut, "infer 0 0", r">0", v)
    expect_error(dut, "infer -1", r"Invalid number", v)
    expect_error(dut, "infer 1 x", r"Invalid number", v)
    expect_error(dut, "infer 1 1 1", r"argument", v)
    # a short input is refused at infer time
    if cap > 1:
        dut.load(bytes(cap - 1))
        expect_error(dut, "infer 1 0", r"needs", v)
    # and a good cycle still works after all this
    dut.load(bytes(cap))
    dut.infer(1, 0)
    check_name(dut, v)


def check_digits_beyond_n_ignored(dut, exp: Expect) -> None:
    io = model_io(exp.model)
    cap = db_bytes(io, exp.input_mode)
    data = bytes((i * 7 + 1) % 256 for i in range(cap))
    dut.command(f"db load {cap}")
    hexed = data.hex() + "abcd"          # two bytes too many in the last command
    chunks = [hexed[i:i + 62] for i in range(0, len(hexed), 62)]
    replies = [dut.command("db " + c) for c in chunks]
    assert sum(r.count("m-load-done") for r in replies) == 1
    assert dut.command("db eeee") == ["m-ready"]     # after completion: ignored
    assert dut.buffer() == data


def check_garbage(dut, exp: Expect, seed: int = 0) -> None:
    """Random bytes (NUL, 0xFF, everything but '%') then '%': one error, still alive."""
    rng = np.random.default_rng(seed)
    for size in (30, 500):
        junk = rng.integers(0, 256, size, dtype=np.uint8).tobytes().replace(b"%", b"\x00")
        junk = b"\x00\xff" + junk + b"\xff\x00"
        dut.send_raw(junk)
        lines = dut.command("", check=False)
        assert len(lines) == 2 and lines[0].startswith("e-[") and lines[1] == "m-ready", lines
        assert all(32 <= ord(c) < 127 for c in lines[0]), lines[0]
        check_name(dut, exp.vendor)


def check_fuzz(dut, exp: Expect, seed: int = 1, size: int = 4000) -> None:
    """Random bytes with '%' in them: one reply ending in m-ready per '%', all printable."""
    rng = np.random.default_rng(seed)
    junk = rng.integers(0, 256, size, dtype=np.uint8)
    junk[rng.integers(0, size, size // 40)] = ord("%")
    data = junk.tobytes() + b"%"                    # nothing left half-typed at the end
    dut.command("")                                   # start from a clean command buffer
    dut.send_raw(data)
    for _ in range(data.count(b"%")):
        lines = dut.read_reply(timeout=10)
        assert lines[-1] == "m-ready"
        assert all(all(32 <= ord(c) < 127 for c in x) for x in lines), lines
    check_name(dut, exp.vendor)
