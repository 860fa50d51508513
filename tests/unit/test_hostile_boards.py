"""Board files are shared like models, so they are untrusted input: every hostile value is
refused in one line on load, or is inert (reaches no generated file, runs nothing)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.deploy.boards import BoardError, board_files, load_board, parse_board
from tinydeploy.deploy.build import default_project_dir
from tinydeploy.deploy.project import render_project

pytestmark = pytest.mark.unit

GOOD = next(f for f in board_files() if f.stem == "mps2-an386").read_text()
NANO = next(f for f in board_files() if f.stem == "nano33").read_text()

PAYLOADS = ['x"y', "x\n$(shell id > PWNED)\n#", "$(shell id > PWNED)", "`id > PWNED`",
            "x */ int y; /*", "100%", "../../x", "a\\b", "x\r\ny", "all:\n\ttouch PWNED"]


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
        .replace("\r", "\\r").replace("\t", "\\t") + '"'


# (base text, field as it stands in the file, how to put a payload there)
STRING_FIELDS = {
    "name": (GOOD, 'name = "mps2-an386"', lambda v: f"name = {_toml_str(v)}"),
    "description": (GOOD, 'description = "Arm MPS2+', lambda v: f"description = {_toml_str(v)}\n#"),
    "mcu.name": (GOOD, 'name = "MPS2 FPGA (mps2-an386)"', lambda v: f"name = {_toml_str(v)}"),
    "qemu.machine": (GOOD, 'machine = "mps2-an386"', lambda v: f"machine = {_toml_str(v)}"),
    "qemu.args": (GOOD, 'machine = "mps2-an386"',
                  lambda v: f'machine = "mps2-an386"\nargs = [{_toml_str(v)}]'),
    "flash_runner.args": (NANO, "args = []", lambda v: f"args = [{_toml_str(v)}]"),
    "serial.usb_ids": (NANO, 'usb_ids = ["2341:005a", "2341:805a"]',
                       lambda v: f"usb_ids = [{_toml_str(v)}]"),
    "arduino.fqbn": (NANO, 'fqbn = "arduino:mbed_nano:nano33ble"', lambda v: f"fqbn = {_toml_str(v)}"),
    "arduino.pio_board": (NANO, 'pio_board = "nano33ble"', lambda v: f"pio_board = {_toml_str(v)}"),
}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    from tflite_builder import fc_softmax_model
    p = tmp_path_factory.mktemp("m") / "fc.tflite"
    p.write_bytes(fc_softmax_model())
    return compile_model(p)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field", list(STRING_FIELDS))
def test_hostile_string_is_refused_in_one_line_or_inert(field, payload, compiled):
    base, anchor, put = STRING_FIELDS[field]
    assert anchor in base
    text = base.replace(anchor, put(payload), 1)
    try:
        board = parse_board(text, "hostile.toml")
    except BoardError as e:
        msg = str(e)
        assert msg.startswith("hostile.toml: ") and "\n" not in msg and "\r" not in msg
        return
    # accepted: only free text that is shown, never built, and runner/QEMU argv entries,
    # which go to the tool as one argument each (no shell); none reaches a generated file
    assert field in ("description", "mcu.name", "qemu.args", "flash_runner.args"), \
        f"{field} = {payload!r} was accepted"
    files = render_project(compiled, board)
    for path, body in files.items():
        assert payload not in body and payload not in path, (field, path)


@pytest.mark.parametrize("edit, message", [
    (("clock_hz = 25_000_000", "clock_hz = 0"), "field 'clock_hz' is 0; expected 32,768"),
    (("clock_hz = 25_000_000", "clock_hz = -1"), "field 'clock_hz' is -1"),
    (("clock_hz = 25_000_000", "clock_hz = 100_000_000_000_000_000"), "field 'clock_hz' is 1"),
    (("clock_hz = 25_000_000", "clock_hz = 1e17"), "field 'clock_hz' must be an integer"),
    (("systick_hz = 25_000_000", "systick_hz = -1"), "field 'qemu.systick_hz' is -1"),
    (("baud = 115200", "baud = 0"), "field 'serial.baud' is 0; expected a standard rate"),
    (("baud = 115200", "baud = 115201"), "field 'serial.baud' is 115201"),
    (("emulated = true", "emulated = true\nstack_bytes = -4"), "field 'stack_bytes' is -4"),
    (("emulated = true", "emulated = true\nstack_bytes = 4100"), "must be a multiple of 8"),
    (("size = 0x400000\n\n[ram]", "size = 0x3FFFFF\n\n[ram]"), "field 'flash.size' must be a multiple of 4"),
    (("origin = 0x20000000", "origin = 0x20000002"), "field 'ram.origin' must be a multiple of 4"),
    (("voltage = 3.3", "voltage = nan"), "field 'power.voltage' is nan"),
    (("voltage = 3.3", "voltage = -3.3"), "field 'power.voltage' is -3.3"),
    (("TD_PORT_UART_RX_IRQ = 0", "TD_PORT_UART_RX_IRQ = 4294967296"), "must be an integer 0 .. 2^32-1"),
])
def test_out_of_range_numbers_are_refused_on_load(edit, message):
    old, new = edit
    assert old in GOOD
    with pytest.raises(BoardError) as e:
        parse_board(GOOD.replace(old, new, 1), "boards/broken.toml")
    assert message in str(e.value) and str(e.value).startswith("boards/broken.toml: ")


def test_usb_ids_must_be_hex():
    with pytest.raises(BoardError, match="is not VID:PID in hex"):
        parse_board(NANO.replace('"2341:005a"', '"23g1:005a"'), "x.toml")


@pytest.mark.parametrize("raw, message", [
    (b"\x00\x01\x02\xff\xfe binary", "not UTF-8 text (byte 0xff at offset 3)"),
    (GOOD.replace("Cortex-M4F at 25", "Cortex-M4F \xe0 25").encode("latin-1"), "not UTF-8 text (byte 0xe0"),
])
def test_non_utf8_board_file_is_one_line(tmp_path, raw, message):
    p = tmp_path / "b.toml"
    p.write_bytes(raw)
    with pytest.raises(BoardError) as e:
        load_board(str(p))
    assert message in str(e.value) and "\n" not in str(e.value)


def test_board_path_that_is_a_directory_is_one_line(tmp_path):
    d = tmp_path / "dir.toml"
    d.mkdir()
    with pytest.raises(BoardError, match="cannot be read"):
        load_board(str(d))


def test_build_with_a_hostile_board_runs_nothing_and_writes_nothing(tmp_path, fc_model):
    board = tmp_path / "evil.toml"
    board.write_text(GOOD.replace('name = "mps2-an386"', f"name = {_toml_str(PAYLOADS[1])}"))
    work = tmp_path / "cwd"
    work.mkdir()
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "build", str(fc_model),
                        "--board", str(board)], cwd=work, capture_output=True, text=True)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "field 'name'" in lines[0] and "Traceback" not in r.stderr
    assert list(work.iterdir()) == []
    assert not list(tmp_path.rglob("PWNED"))


@pytest.mark.parametrize("stem, board, want", [
    ("kws", "mps2-an386", "kws-mps2-an386"),
    ("..", "x", "-x"),
    ("../../etc/x", "b", "_.._etc_x-b"),
    ("weird name$(x)", "custom", "weird_name__x_-custom"),
])
def test_default_project_folder_stays_under_td_build(stem, board, want):
    out = default_project_dir(stem, board)
    assert out.parent.as_posix() == "td-build" and out.name == want
