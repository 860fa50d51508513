"""Boards are schema-checked data: every shipped board loads; bad files name file and field."""
import json
import subprocess
import sys

import pytest

from tinydeploy.deploy.boards import BoardError, board_files, list_boards, load_board, parse_board

pytestmark = pytest.mark.unit

SHIPPED = {"mps2-an386", "mps2-an500", "mps2-an505", "mps2-an385", "netduinoplus2",
           "microbit", "nano33"}


def test_every_shipped_board_loads():
    boards = {b.name: b for b in list_boards()}
    assert set(boards) == SHIPPED == {f.stem for f in board_files()}
    assert boards["mps2-an386"].core == "cortex-m4" and boards["mps2-an386"].fpu
    assert boards["microbit"].core == "cortex-m0" and not boards["microbit"].fpu
    assert boards["nano33"].framework == "arduino" and not boards["nano33"].emulated
    assert boards["nano33"].mcu_flash_bytes == 1 << 20 and boards["nano33"].ram.size == 256 * 1024
    assert "2341:005a" in boards["nano33"].usb_ids
    for b in boards.values():
        assert b.emulated == (b.qemu_machine is not None)


GOOD = (next(f for f in board_files() if f.stem == "mps2-an386")).read_text()


@pytest.mark.parametrize("edit, message", [
    (lambda t: "turbo = true\n" + t, "field 'turbo' is not a known board field"),
    (lambda t: t.replace("[qemu]\n", "[qemu]\nturbo = true\n"), "field 'qemu.turbo' is not a known board field"),
    (lambda t: t + "\nuart = 3\n", "field 'port_defines.uart' must be a TD_PORT_* macro name"),
    (lambda t: t.replace('core = "cortex-m4"', 'core = "cortex-a53"'), "field 'core' is 'cortex-a53'"),
    (lambda t: t.replace("clock_hz = 25_000_000", 'clock_hz = "fast"'), "field 'clock_hz' must be an integer"),
    (lambda t: t.replace("fpu = true\n", ""), "field 'fpu' is missing"),
    (lambda t: t.replace("size = 0x400000\n\n[ram]", "size = 0x800000\n\n[ram]"),
     "field 'flash.size' is 8388608 bytes but the part"),
    (lambda t: t.replace("origin = 0x20000000", "origin = 0xFFFFFF00"), "not a valid 32-bit memory region"),
    (lambda t: t.replace("[flash]\norigin", "[flash]\nbase = 1\norigin"), "field 'flash.base' is not a known"),
    (lambda t: t.replace('machine = "mps2-an386"\n', ""), "field 'qemu.machine' is required"),
    (lambda t: t.replace("baud = 115200", "baud = 115200\nusb_ids = ['2341-005a']"), "is not VID:PID"),
    (lambda t: t.replace('name = "mps2-an386"', "name = ["), "not valid TOML"),
])
def test_invalid_board_files_are_rejected_with_file_and_field(edit, message):
    with pytest.raises(BoardError) as e:
        parse_board(edit(GOOD), "boards/broken.toml")
    assert message in str(e.value) and str(e.value).startswith("boards/broken.toml")


def test_real_board_needs_power_model_and_arduino_needs_fqbn():
    nano = (next(f for f in board_files() if f.stem == "nano33")).read_text()
    with pytest.raises(BoardError, match="power"):
        parse_board(nano.replace("run_ua_per_mhz = 52.0\n", ""), "x.toml")
    with pytest.raises(BoardError, match="fqbn"):
        parse_board(nano.replace('fqbn = "arduino:mbed_nano:nano33ble"\n', ""), "x.toml")


def test_unknown_board_lists_the_known_ones():
    with pytest.raises(BoardError) as e:
        load_board("nano34")
    assert "unknown board 'nano34'" in str(e.value) and "mps2-an386" in str(e.value)


def test_board_file_by_path(tmp_path):
    p = tmp_path / "custom.toml"
    p.write_text(GOOD.replace('name = "mps2-an386"', 'name = "custom"'))
    assert load_board(str(p)).name == "custom"


def test_boards_command_json():
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "boards", "--json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert set(rows) == SHIPPED
    assert rows["netduinoplus2"]["emulated"] and not rows["nano33"]["emulated"]
    assert rows["nano33"]["flash_bytes"] == 0xF0000 and rows["nano33"]["framework"] == "arduino"
