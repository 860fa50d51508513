"""The serial harness on the host: firmware/harness + firmware/ports/host + a generated
model, driven over a pseudo-terminal by tinydeploy.measure.dut exactly as QEMU's `-serial pty`
would be. The protocol checks themselves live in tests/protocol_cases.py."""
from __future__ import annotations

import os
import subprocess
import threading
import time
import tty
from pathlib import Path

import numpy as np
import pytest

from tinydeploy.compiler.codegen import generate
from tinydeploy.compiler.lower import lower
from tinydeploy.compiler.planner import plan
from tinydeploy.compiler.reader import load_model
from tinydeploy.deploy.toolchain import COMMON_CFLAGS
from tinydeploy.measure.dut import DeviceError, Dut
from tinydeploy.writer import write_files

import protocol_cases as pc
from tflite_builder import build, fc_softmax_model, tensor

pytestmark = pytest.mark.host_c

ROOT = Path(__file__).resolve().parents[2]
FW = ROOT / "firmware"
HARNESS = sorted((FW / "harness").glob("*.c"))
CFLAGS = COMMON_CFLAGS
ARM_FLAGS = ["-std=c99", "-Os", "-mcpu=cortex-m0", "-mthumb", "-Wall", "-Wextra", "-Werror",
             "-ffp-contract=off"]


def chain_model(seed: int = 0, n: int = 16) -> bytes:
    """FC -> FC -> SOFTMAX, all width n: the planner puts the second FC's output over the
    (then dead) graph input, so the harness must restore the input between inferences."""
    rng = np.random.default_rng(seed)
    w1, w2 = (rng.integers(-127, 128, (n, n), dtype=np.int8) for _ in range(2))
    b1, b2 = (rng.integers(-2000, 2000, n, dtype=np.int32) for _ in range(2))
    tensors = [
        tensor("input", [1, n], "int8", 0.05, -3),
        tensor("fc1/w", [n, n], "int8", 0.01, 0, w1),
        tensor("fc1/b", [n], "int32", 0.05 * 0.01, 0, b1),
        tensor("h1", [1, n], "int8", 0.2, 5),
        tensor("fc2/w", [n, n], "int8", 0.01, 0, w2),
        tensor("fc2/b", [n], "int32", 0.2 * 0.01, 0, b2),
        tensor("h2", [1, n], "int8", 0.3, -2),
        tensor("probs", [1, n], "int8", 1.0 / 256, -128),
    ]
    ops = [("FULLY_CONNECTED", [0, 1, 2], [3], ("FullyConnectedOptions", {})),
           ("FULLY_CONNECTED", [3, 4, 5], [6], ("FullyConnectedOptions", {})),
           ("SOFTMAX", [6], [7], ("SoftmaxOptions", {"Beta": 1.0}))]
    return build(tensors, ops, [0], [7])


# name: (model bytes, board macros, expectation fields, -DTD_PROFILE_LAYERS)
VARIANTS = {
    "int8": (lambda: fc_softmax_model(),
             {"TD_BENCHMARK_ID": '"kws01"', "TD_INPUT_MODE": "TD_INPUT_INT8"},
             {"benchmark_id": "kws01"}, True),
    "uint8": (lambda: fc_softmax_model(seed=1),
              {"TD_BENCHMARK_ID": '"ic01"', "TD_INPUT_MODE": "TD_INPUT_UINT8_OFFSET"},
              {"benchmark_id": "ic01", "input_mode": "uint8-offset"}, True),
    "ad": (lambda: fc_softmax_model(in_features=8, classes=8, seed=2),
           {"TD_BENCHMARK_ID": '"ad01"', "TD_INPUT_MODE": "TD_INPUT_FLOAT32",
            "TD_RESULTS_MODE": "TD_RESULTS_MSE"},
           {"benchmark_id": "ad01", "input_mode": "float32", "results_mode": "mse"}, True),
    "chain": (lambda: chain_model(), {"TD_INPUT_MODE": "TD_INPUT_INT8"}, {}, True),
    "chain-big": (lambda: chain_model(n=256), {}, {}, True),
    "energy": (lambda: fc_softmax_model(), {"TD_ENERGY_MODE": "1"},
               {"energy": True, "profiling": False}, False),
    # the same builds as "int8" and "ad", with ASan + UBSan
    "int8-san": (lambda: fc_softmax_model(),
                 {"TD_BENCHMARK_ID": '"kws01"', "TD_INPUT_MODE": "TD_INPUT_INT8"},
                 {"benchmark_id": "kws01"}, True),
    "ad-san": (lambda: fc_softmax_model(in_features=8, classes=8, seed=2),
               {"TD_BENCHMARK_ID": '"ad01"', "TD_INPUT_MODE": "TD_INPUT_FLOAT32",
                "TD_RESULTS_MODE": "TD_RESULTS_MSE"},
               {"benchmark_id": "ad01", "input_mode": "float32", "results_mode": "mse"}, True),
}
SANITIZE = ["-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]


def board_header(name: str, macros: dict) -> str:
    base = {"TD_BOARD_NAME": f'"host-{name}"', "TD_BOARD_BAUD": "115200",
            "TD_PORT_COUNTER_UNIT": '"us"', "TD_VENDOR_NAME": '"tinydeploy"',
            "TD_INPUT_MODE": "TD_INPUT_INT8", "TD_RESULTS_MODE": "TD_RESULTS_SCORES",
            "TD_BUILD_ID": f'"test-{name}"'}
    base.update(macros)
    body = "".join(f"#define {k} {v}\n" for k, v in base.items())
    return f"#ifndef TD_BOARD_H\n#define TD_BOARD_H\n{body}#endif\n"


def _cc(cmd: list[str], cwd: Path) -> None:
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    assert res.returncode == 0, f"{' '.join(cmd[:3])}...\n{res.stderr}"


class Build:
    def __init__(self, name: str, root: Path, kernel_objs: list[Path]):
        make_model, macros, fields, profile = VARIANTS[name]
        self.dir = root / name
        self.model = self.dir / f"{name}.tflite"
        self.dir.mkdir(exist_ok=True)          # a failed earlier attempt may have left it
        self.model.write_bytes(make_model())
        program = lower(load_model(self.model))
        self.plan = plan(program)
        self.program = program
        write_files(generate(program, self.plan, self.model.read_bytes()), self.dir)
        (self.dir / "td_board.h").write_text(board_header(name, macros))
        self.defines = ["-DTD_PROFILE_LAYERS"] if profile else []
        self.includes = [f"-I{p}" for p in (self.dir / "model", FW, FW / "kernels",
                                              FW / "harness", self.dir)]
        self.expect = pc.Expect(model=str(self.model), board=f"host-{name}",
                                build_id=f"test-{name}", **fields)
        self.exe = self.dir / "td_dut"
        srcs = [*HARNESS, FW / "ports" / "host" / "td_port_host.c",
                *sorted((self.dir / "model").glob("*.c"))]
        san = SANITIZE if name.endswith("-san") else []
        _cc([os.environ.get("CC", "cc"), *CFLAGS, *san, *self.defines, *self.includes, "-o",
             str(self.exe), *map(str, srcs), *map(str, kernel_objs), "-lm"], self.dir)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Builds each variant once per module, on first use."""
    root = tmp_path_factory.mktemp("td-protocol")
    objdir = root / "kernels"
    objdir.mkdir()
    kernels = sorted((FW / "kernels").glob("*.c"))
    _cc([os.environ.get("CC", "cc"), *CFLAGS, f"-I{FW / 'kernels'}", "-c",
         *map(str, kernels)], objdir)
    objs = sorted(objdir.glob("*.o"))
    cache: dict[str, Build] = {}

    def get(name: str) -> Build:
        if name not in cache:
            cache[name] = Build(name, root, objs)
        return cache[name]
    return get


class HostDevice:
    """The host firmware on the master side of a pty; the Dut on the slave side."""

    def __init__(self, b: Build):
        self.build = b
        self.expect = b.expect
        self.proc = self.dut = None
        master, self.slave = os.openpty()
        try:
            tty.setraw(self.slave)    # as QEMU does: no echo, no CR/LF translation
            # Open the client first: pyserial flushes pending input when it opens a port,
            # which would race with the boot banner.
            self.dut = Dut.open(os.ttyname(self.slave), 115200, timeout=5.0)
            self.stderr = b.dir / f"stderr-{os.getpid()}-{id(self)}.txt"
            with open(self.stderr, "wb") as err:
                self.proc = subprocess.Popen([str(b.exe)], stdin=master, stdout=master,
                                             stderr=err, close_fds=True)
        except BaseException:
            os.close(master)
            self.stop()
            raise
        os.close(master)
        try:
            self.banner = self.dut.wait_ready(5.0)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.dut is not None:
            self.dut.close()
        if self.slave is not None:
            os.close(self.slave)      # hang-up: the host port exits by itself
            self.slave = None
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=0.5)   # a device busy inferring never reads the hang-up
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


@pytest.fixture
def spawn(builds):
    devices: list[HostDevice] = []

    def start(name: str) -> HostDevice:
        d = HostDevice(builds(name))
        devices.append(d)
        return d
    yield start
    for d in devices:
        d.stop()
    assert all(d.proc.returncode is not None for d in devices)


# ---- the standard commands ---------------------------------------------------------------------

def test_boot_name_profile_timestamp_help(spawn):
    d = spawn("int8")
    pc.check_boot(d.banner)
    pc.check_name(d.dut, "tinydeploy")
    pc.check_profile(d.dut, "kws01")
    pc.check_timestamp(d.dut)
    pc.check_help(d.dut)
    assert d.dut.command("") == ["m-ready"]          # a bare '%' is the runner's sync


def test_infer_cycle_is_bit_exact_with_tflite_micro(spawn):
    d = spawn("int8")
    runs = pc.check_infer(d.dut, d.expect, seed=11, samples=4, n=5, warmup=2)
    assert all(r["unit"] == "us" for r in runs)
    pc.check_warmup_zero_and_default(d.dut, d.expect)


def test_db_print_and_digits_beyond_n(spawn):
    d = spawn("int8")
    pc.check_db_print(d.dut, bytes(range(16)))
    pc.check_db_print(d.dut, bytes([0xff, 0x80, 0x7f, 0x00, 0xab]))      # partial last line
    lines = d.dut.command("db load 3")
    assert d.dut.command("db AbCd") == ["m-ready"]                       # either case
    assert d.dut.command("db eF") == ["m-load-done", "m-ready"]
    assert d.dut.buffer() == bytes([0xab, 0xcd, 0xef]) and lines[0] == "m-[Expecting 3 bytes]"
    pc.check_digits_beyond_n_ignored(d.dut, d.expect)


def test_td_info(spawn):
    d = spawn("int8")
    info = pc.check_info(d.dut, d.expect)
    assert info["board"] == "host-int8" and info["build"] == "test-int8"
    assert info["input_restore"] == "unknown"
    assert info["arena_bytes"] == d.build.plan.arena_bytes
    assert info["layers"] == 2 and info["inputs"][0]["name"] == "input"
    assert info["outputs"][0]["name"] == "probs"
    lines = d.dut.command("td-info")
    assert "m-td-input-[0,1x16,16,5.00000007e-02,-3,input]" in lines
    assert "m-td-output-[0,1x5,5,3.90625000e-03,-128,probs]" in lines
    pc.check_infer(d.dut, d.expect, samples=1)
    assert d.dut.info()["input_restore"] == "no"


def test_td_layers(spawn):
    d = spawn("int8")
    rows = pc.check_layers(d.dut, d.expect, 2)
    assert [(r["op"], r["tflite_index"], r["macs"]) for r in rows] == [
        ("FULLY_CONNECTED", 0, 80), ("SOFTMAX", 1, 0)]
    lines = d.dut.command("td-layers")
    assert lines[0] == "m-td-counter-unit-[us]" and lines[-2].startswith("m-td-layers-total-[")


def test_td_layers_add_up_to_the_inference_time(spawn):
    """On a model slow enough to time (~130k MACs), the layer times of the last inference
    add up to that inference's measured time (infer 1: t1 - t0 spans exactly that run)."""
    d = spawn("chain-big")
    d.dut.load(bytes(256))
    for _attempt in range(10):             # another process may preempt the timed run
        r = d.dut.infer(1, 2)
        rows = d.dut.layers()
        total = sum(x["time"] for x in rows)
        assert 0 <= total <= r["elapsed"]  # the layers run between t0 and t1
        if r["elapsed"] - total <= max(3, 0.1 * r["elapsed"]):
            break
    else:
        pytest.fail(f"layer times {[x['time'] for x in rows]} vs inference {r['elapsed']}")
    assert [x["op"] for x in rows] == ["FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"]
    assert rows[0]["macs"] == rows[1]["macs"] == 256 * 256


def test_uint8_offset_input_mode(spawn):
    d = spawn("uint8")
    pc.check_profile(d.dut, "ic01")
    pc.check_info(d.dut, d.expect)
    pc.check_infer(d.dut, d.expect, seed=4, samples=3)


def test_float32_input_and_mse_results(spawn):
    d = spawn("ad")
    pc.check_profile(d.dut, "ad01")
    info = pc.check_info(d.dut, d.expect)
    assert info["db_bytes"] == 32
    runs = pc.check_infer(d.dut, d.expect, seed=5, samples=4)
    assert all(len(r["results"]) == 1 for r in runs)


def test_input_overwritten_by_the_plan_is_restored(spawn):
    d = spawn("chain")
    b = d.build
    g = b.program.graph
    in_off, h2_off = b.plan.offsets[g.inputs[0]], b.plan.offsets[6]
    assert in_off == h2_off, "precondition: the plan reuses the input bytes"
    assert d.dut.info()["benchmark"] == "chain"          # no id: the model's own name
    pc.check_profile(d.dut, "chain")
    pc.check_infer(d.dut, d.expect, seed=6, samples=3, n=7, warmup=3)
    assert d.dut.info()["input_restore"] == "yes"
    pc.check_warmup_zero_and_default(d.dut, d.expect)


def test_energy_mode_without_profiling(spawn):
    d = spawn("energy")
    pc.check_boot(d.banner, energy=True)
    pc.check_timestamp(d.dut, energy=True)
    runs = pc.check_infer(d.dut, d.expect, samples=1)
    assert runs[0]["t0"] is None and runs[0]["latency"] is None
    lines = d.dut.command("infer 1 0")
    assert not any(x.startswith("m-lap-us-") for x in lines)
    pc.check_layers(d.dut, d.expect, 2)                  # e-[...] without TD_PROFILE_LAYERS
    assert d.dut.info()["profiling"] is False


# ---- robustness --------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", ["int8", "ad"])
def test_malformed_commands_are_refused_and_the_device_survives(spawn, variant):
    d = spawn(variant)
    pc.check_errors(d.dut, d.expect)


@pytest.mark.parametrize("variant", ["int8-san", "ad-san"])
def test_sanitizers_find_nothing(spawn, variant):
    """ASan + UBSan build through errors, garbage, fuzz and inference: no report, clean exit."""
    d = spawn(variant)
    pc.check_errors(d.dut, d.expect)
    pc.check_garbage(d.dut, d.expect)
    pc.check_fuzz(d.dut, d.expect)
    pc.check_db_print(d.dut, bytes(range(d.dut.info()["db_bytes"])))
    pc.check_infer(d.dut, d.expect, samples=2)
    d.dut.layers()
    d.dut.command("help")
    d.stop()
    assert d.proc.returncode == 0
    assert d.stderr.read_text() == ""


def test_garbage_bytes_and_fuzz(spawn):
    d = spawn("int8")
    pc.check_garbage(d.dut, d.expect)
    pc.check_fuzz(d.dut, d.expect)
    pc.check_infer(d.dut, d.expect, samples=1)           # still computes the right thing


def test_crlf_is_ignored_and_sync_ends_half_commands(spawn):
    d = spawn("int8")
    d.dut.send_raw(b"\r\nna\rme\n%")
    assert d.dut.read_reply() == ["m-name-dut-[tinydeploy]", "m-ready"]
    d.dut.send_raw(b"nam")                                 # half a command ...
    assert d.dut.sync() == ["e-[Unknown command: nam]", "m-ready"]   # ... ended by sync
    assert d.dut.sync() == ["m-ready"]
    pc.check_name(d.dut)


# ---- the client's error paths --------------------------------------------------------------------

def test_device_killed_mid_reply_raises_device_error(spawn):
    d = spawn("int8")
    d.dut.load(bytes(16))
    killer = threading.Timer(0.3, d.proc.kill)
    killer.start()
    t = time.monotonic()
    try:
        with pytest.raises(DeviceError, match="closed or vanished") as ei:
            d.dut.command("infer 100000000 0", timeout=20)
    finally:
        killer.cancel()
    assert time.monotonic() - t < 5
    assert "\n" not in str(ei.value)
    started = ["m-warmup-start-0", "m-warmup-done", "m-infer-start-100000000"]
    assert ei.value.lines == started[:len(ei.value.lines)]      # cut off mid-reply


def test_command_timeout_raises_device_error(spawn):
    d = spawn("int8")
    d.dut.load(bytes(16))
    t = time.monotonic()
    with pytest.raises(DeviceError, match=r"no m-ready .* within 0.3 s"):
        d.dut.command("infer 100000000 0", timeout=0.3)
    assert time.monotonic() - t < 2


def test_error_reply_raises_with_its_text(spawn):
    d = spawn("int8")
    with pytest.raises(DeviceError, match=r"Unknown command: bogus"):
        d.dut.command("bogus")
    with pytest.raises(DeviceError, match=r"No inference has run yet"):
        d.dut.results()
    with pytest.raises(ValueError):
        d.dut.command("name%name")
    assert d.dut.name() == "tinydeploy"


def test_garbage_lines_are_recorded_not_returned():
    import serial
    port = serial.serial_for_url("loop://", timeout=0.05)
    dut = Dut(port, timeout=1.0)
    port.write(b"\x00\xffboot noise\r\n\xffm-name-dut-[x]\r\nxxm-ready\r\n")
    assert dut.read_reply() == ["m-name-dut-[x]", "m-ready"]
    assert "boot noise" in "".join(dut.garbage)
    with pytest.raises(DeviceError, match="within 0.2 s"):
        dut.read_reply(timeout=0.2)
    dut.close()
    with pytest.raises(DeviceError, match="closed or vanished"):
        dut.read_reply(timeout=0.2)


def test_unopenable_port_raises_device_error(tmp_path):
    with pytest.raises(DeviceError, match="cannot open serial port"):
        Dut.open(str(tmp_path / "no-such-tty"))


# ---- the same sources for Cortex-M0 --------------------------------------------------------------

@pytest.mark.parametrize("variant", ["int8", "uint8", "ad", "energy"])
def test_harness_compiles_for_cortex_m0(builds, variant, tmp_path):
    b = builds(variant)
    _cc(["arm-none-eabi-gcc", *ARM_FLAGS, *b.defines, *b.includes, "-c",
         *map(str, HARNESS)], tmp_path)


# ---- number formatting without printf ------------------------------------------------------------

_FMT_DRIVER = r"""
#include <stdio.h>
#include <string.h>
#include "td_fmt.h"
#include "td_port.h"
void td_port_putc(char c) { putchar(c); }
int main(void) {
    float f;
    while (fread(&f, sizeof f, 1, stdin) == 1) {
        td_put_fixed(f, 3); putchar(' ');
        td_put_sci(f, 9); putchar(' ');
        td_put_fixed(f, 0); putchar(' ');
        td_put_i32((int32_t)(f == f && f > -2e9f && f < 2e9f ? f : 0)); putchar('\n');
    }
    return 0;
}
"""


def test_float_formatting_matches_printf(tmp_path):
    """td_put_fixed / td_put_sci give exactly what printf (and Python) give, ties to even."""
    rng = np.random.default_rng(0)
    special = np.array([0.0, -0.0, 0.0625, -0.0625, 0.0005, 0.0015, 0.5, 1.5, 2.5, -3.5,
                        0.9995, 999.9995, 1e-45, -1e-45, 1.17549435e-38, 3.4028235e38,
                        -3.4028235e38, 16777216.0, 0.99999994, 9.9999995e-4, 123456.789,
                        np.inf, -np.inf, np.nan], dtype=np.float32)
    bits = rng.integers(0, 2 ** 32, 3000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    small = rng.uniform(-2, 2, 3000).astype(np.float32)
    vals = np.concatenate([special, bits, small])
    exe = tmp_path / "fmt"
    (tmp_path / "drv.c").write_text(_FMT_DRIVER)
    _cc([os.environ.get("CC", "cc"), *CFLAGS, f"-I{FW}", f"-I{FW / 'harness'}", "-o", str(exe),
         "drv.c", str(FW / "harness" / "td_fmt.c")], tmp_path)
    out = subprocess.run([str(exe)], input=vals.tobytes(), capture_output=True, check=True)
    got = out.stdout.decode("ascii").splitlines()
    assert len(got) == len(vals)
    for v, line in zip(vals, got):
        x = float(v)
        i = int(x) if x == x and -2e9 < x < 2e9 else 0
        want = f"{x:.3f} {x:.8e} {x:.0f} {i}"
        assert line == want, (v, line, want)
