"""`tinydeploy flash` on an emulated board: QEMU started detached, recorded in the build
dir, driven over the serial URL flash() prints, stopped by its pid. No QEMU outlives a test."""
import json
import os

import pytest

from tinydeploy.deploy.build import build_firmware
from tinydeploy.deploy.flash import STATE_FILE, flash, running, stop
from tinydeploy.deploy.runners import FlashError
from tinydeploy.measure.dut import Dut

from tflite_builder import fc_softmax_model

pytestmark = pytest.mark.qemu

BOARD = "mps2-an386"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("flash")
    model = d / "fc.tflite"
    model.write_bytes(fc_softmax_model())
    r = build_firmware(model, BOARD, d / "fw")
    return d / "fw", r


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:          # a zombie counts as gone
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.fixture
def build_dir(built):
    fw, _ = built
    yield fw
    rec = running(fw)
    stop(fw)                                           # never leave QEMU behind
    assert rec is None or _gone(rec["pid"])


@pytest.mark.parametrize("serial", ["tcp", "pty"])
def test_flash_starts_qemu_detached_and_stop_ends_it(build_dir, serial):
    said = []
    r = flash(build_dir, BOARD, serial=serial, progress=said.append)
    assert r["runner"] == "qemu" and r["emulated"] and r["board"] == BOARD
    assert r["argv"][:3] == ["qemu-system-arm", "-M", BOARD]
    assert r["url"].startswith("socket://127.0.0.1:" if serial == "tcp" else "/dev/pts/")
    rec = json.loads((build_dir / STATE_FILE).read_text())
    assert rec["pid"] == r["pid"] and rec["url"] == r["url"] and rec["board"] == BOARD
    assert rec["elf"] == str(build_dir / "build" / "firmware.elf")

    with pytest.raises(FlashError, match="already running"):
        flash(build_dir, BOARD, serial=serial)

    dut = Dut.open(r["url"], 115200, timeout=10.0)
    try:
        if serial == "tcp":
            dut.wait_ready(20.0)       # the guest started on our connection: banner complete
        else:
            dut.settle(20.0)             # a pty runs at once: the banner went before we opened
        assert dut.name()
    finally:
        dut.close()

    s = stop(build_dir)
    assert s["stopped"] and s["pid"] == r["pid"]
    assert _gone(r["pid"]) and not (build_dir / STATE_FILE).exists()
    again = stop(build_dir)
    assert not again["stopped"] and "nothing is running" in again["message"]
