"""Boards as data: one TOML file per board in boards/, validated on load.

Contract: `load_board(name_or_path)` returns a Board or raises BoardError naming the file
and the field; `list_boards()` loads every shipped board. A board file says what the code
needs and nothing more: core, FPU, clock, memory regions (checked against the part), the
port (MCU family), the framework, serial settings, USB VID:PID for port discovery, the
default flash runner, the QEMU machine for emulated boards and a power model.
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..errors import TinyDeployError
from ..resources import data_dir

CORES = ("cortex-m0", "cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33")
FRAMEWORKS = ("baremetal", "arduino")
PORTS = ("cmsdk", "stm32f4", "nrf5", "arduino")
RUNNERS = ("qemu", "bossac", "pyocd", "openocd", "st-flash", "arduino-cli", "pio")
# Board files are shared like models: every field that can reach a generated file, a path or
# a command line is held to a pattern or a range here, the one place boards are read.
_IDENT = {"name": r"[A-Za-z0-9_-]{1,64}", "qemu.machine": r"[A-Za-z0-9_.-]{1,64}",
          "arduino.fqbn": r"[A-Za-z0-9_.-]+(:[A-Za-z0-9_.=,-]+){2,3}",
          "arduino.pio_platform": r"[A-Za-z0-9_.-]{1,64}",
          "arduino.pio_board": r"[A-Za-z0-9_.-]{1,64}"}
_TEXT_MAX = 200                   # description, mcu.name: printable text, shown, never built
_ARG = re.compile(r"[A-Za-z0-9_.:/=,+@%-]{1,200}")   # runner and QEMU argv entries
# (lo, hi) of each numeric field, inclusive: clocks a Cortex-M part can run at; the UART
# rates serial ports take; a stack that holds the harness and fits a part.
_RANGES = {"clock_hz": (32_768, 2_000_000_000), "qemu.systick_hz": (32_768, 2_000_000_000),
           "stack_bytes": (256, 1 << 24), "mcu.flash_bytes": (1, 1 << 32),
           "mcu.ram_bytes": (1, 1 << 32), "power.voltage": (0.5, 60.0),
           "power.run_ua_per_mhz": (0.001, 1e6), "power.base_ua": (0.0, 1e7)}
BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 921600,
         1000000, 2000000)


class BoardError(TinyDeployError):
    """A board name or board file that cannot be used."""


@dataclass(frozen=True)
class Region:
    origin: int
    size: int


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    core: str
    fpu: bool
    clock_hz: int
    framework: str
    port: str
    mcu: str
    mcu_flash_bytes: int
    mcu_ram_bytes: int
    flash: Region
    ram: Region
    baud: int
    emulated: bool
    runner: str
    runner_args: tuple[str, ...] = ()
    usb_ids: tuple[str, ...] = ()
    qemu_machine: str | None = None
    qemu_args: tuple[str, ...] = ()
    systick_hz: int | None = None
    stack_bytes: int = 4096
    power: dict = field(default_factory=dict)
    arduino: dict = field(default_factory=dict)
    port_defines: dict = field(default_factory=dict)   # TD_PORT_* macros for the board header
    path: str = ""

    @property
    def instr_per_tick(self) -> tuple[int, int] | None:
        """Executed instructions per SysTick tick under QEMU -icount shift=0 (1 ns per
        instruction), as numerator and denominator: 1e9 / SysTick Hz."""
        if not self.systick_hz:
            return None
        g = math.gcd(10**9, self.systick_hz)
        return 10**9 // g, self.systick_hz // g

    @property
    def us_per_tick(self) -> tuple[int, int]:
        """Microseconds of the device clock per SysTick tick, reduced: 1e6 / clock_hz on
        hardware (SysTick at the CPU clock); on emulated boards the virtual clock, the
        nominal clock_hz at one instruction per cycle: instructions per tick * 1e6 / clock_hz."""
        num, den = self.instr_per_tick or (1, 1)
        frac = Fraction(num * 10**6, den * self.clock_hz)
        return frac.numerator, frac.denominator

    @property
    def clock_kind(self) -> str:
        """'virtual' (emulated: instructions at the nominal clock) or 'hardware'."""
        return "virtual" if self.emulated else "hardware"


# field -> (type, required). Nested tables use dotted names.
_SCHEMA = {
    "name": (str, True), "description": (str, True), "core": (str, True), "fpu": (bool, True),
    "clock_hz": (int, True), "framework": (str, True), "port": (str, True),
    "emulated": (bool, True), "stack_bytes": (int, False),
    "mcu.name": (str, True), "mcu.flash_bytes": (int, True), "mcu.ram_bytes": (int, True),
    "flash.origin": (int, True), "flash.size": (int, True),
    "ram.origin": (int, True), "ram.size": (int, True),
    "serial.baud": (int, True), "serial.usb_ids": (list, False),
    "flash_runner.default": (str, True), "flash_runner.args": (list, False),
    "qemu.machine": (str, False), "qemu.args": (list, False), "qemu.systick_hz": (int, False),
    "power.voltage": (float, False), "power.run_ua_per_mhz": (float, False),
    "power.base_ua": (float, False),
    "arduino.fqbn": (str, False), "arduino.pio_platform": (str, False),
    "arduino.pio_board": (str, False),
    "port_defines": (dict, False),
}
_TABLES = {k.split(".")[0] for k in _SCHEMA if "." in k}


def _type_name(t) -> str:
    return {str: "a string", int: "an integer", bool: "true or false", float: "a number",
            list: "a list", dict: "a table"}[t]


def _get(data: dict, dotted: str):
    cur = data
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _fail(where: str, fieldname: str, msg: str):
    raise BoardError(f"{where}: field '{fieldname}' {msg}")


def _check_values(data: dict, where: str) -> None:
    """Patterns, printable text, ranges, baud rates and alignment (see _IDENT, _RANGES)."""
    for key, pattern in _IDENT.items():
        value = _get(data, key)
        if value is not None and not re.fullmatch(pattern, value):
            _fail(where, key, f"is {value[:40]!r}; use letters, digits, '_' and '-' only "
                  "(it names files, symbols and commands)")
    for key in ("description", "mcu.name"):
        value = _get(data, key)
        if not value.isprintable() or not value.strip() or len(value) > _TEXT_MAX:
            _fail(where, key, f"must be one line of printable text, 1..{_TEXT_MAX} characters")
    for key in ("flash_runner.args", "qemu.args", "serial.usb_ids"):
        for item in _get(data, key) or []:
            if not isinstance(item, str) or not _ARG.fullmatch(item):
                _fail(where, key, f"entry {str(item)[:40]!r} must be a string of letters, digits "
                      "and . _ : / = , + @ % -")
    for key, (lo, hi) in _RANGES.items():
        value = _get(data, key)
        if value is not None and not (math.isfinite(value) and lo <= value <= hi):
            _fail(where, key, f"is {value!r}; expected {lo:,} .. {hi:,}")
    if _get(data, "serial.baud") not in BAUDS:
        _fail(where, "serial.baud", f"is {_get(data, 'serial.baud')!r}; expected a standard rate "
              f"({', '.join(map(str, BAUDS))})")
    if _get(data, "stack_bytes") is not None and _get(data, "stack_bytes") % 8:
        _fail(where, "stack_bytes", "must be a multiple of 8 (the AAPCS stack alignment)")
    for region in ("flash", "ram"):
        for part in ("origin", "size"):
            if _get(data, f"{region}.{part}") % 4:
                _fail(where, f"{region}.{part}", "must be a multiple of 4 (word aligned)")


def _validate(data: dict, where: str) -> None:
    def fail(fieldname, msg):
        _fail(where, fieldname, msg)

    for key, value in data.items():
        if key in _TABLES:
            if not isinstance(value, dict):
                fail(key, "must be a table")
            for sub in value:
                if f"{key}.{sub}" not in _SCHEMA:
                    fail(f"{key}.{sub}", "is not a known board field (typo?)")
        elif key not in _SCHEMA:
            fail(key, "is not a known board field (typo?)")
    for key, (typ, required) in _SCHEMA.items():
        value = _get(data, key)
        if value is None:
            if required:
                fail(key, "is missing")
            continue
        ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
        if typ is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            fail(key, f"must be {_type_name(typ)}, got {type(value).__name__} {value!r}")
    _check_values(data, where)
    choices = {"core": CORES, "framework": FRAMEWORKS, "port": PORTS,
               "flash_runner.default": RUNNERS}
    for key, allowed in choices.items():
        if _get(data, key) not in allowed:
            fail(key, f"is {_get(data, key)!r}; expected one of {', '.join(allowed)}")
    for region, limit in (("flash", "mcu.flash_bytes"), ("ram", "mcu.ram_bytes")):
        origin, size = _get(data, f"{region}.origin"), _get(data, f"{region}.size")
        if size <= 0 or origin < 0 or origin + size > 1 << 32:
            fail(f"{region}.size", f"0x{origin:x} + {size} is not a valid 32-bit memory region")
        if size > _get(data, limit):
            fail(f"{region}.size", f"is {size} bytes but the part ({_get(data, 'mcu.name')}) has "
                 f"{_get(data, limit)} ({limit})")
    if data["emulated"] and not _get(data, "qemu.machine"):
        fail("qemu.machine", "is required for an emulated board")
    if data["emulated"] and not _get(data, "qemu.systick_hz"):
        fail("qemu.systick_hz", "is required for an emulated board (instruction counting)")
    for key, value in (_get(data, "port_defines") or {}).items():
        if not re.fullmatch(r"TD_PORT_[A-Z0-9_]+", key):
            fail(f"port_defines.{key}", "must be a TD_PORT_* macro name")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 32:
            fail(f"port_defines.{key}", "must be an integer 0 .. 2^32-1")
    if not data["emulated"] and not all(_get(data, f"power.{k}") is not None
                                        for k in ("voltage", "run_ua_per_mhz", "base_ua")):
        fail("power", "needs voltage, run_ua_per_mhz and base_ua for a real board")
    if data["framework"] == "arduino" and not all(
            _get(data, f"arduino.{k}") for k in ("fqbn", "pio_platform", "pio_board")):
        fail("arduino", "needs fqbn, pio_platform and pio_board for an Arduino board")
    for usb in _get(data, "serial.usb_ids") or []:
        parts = str(usb).split(":")
        if len(parts) != 2 or not all(re.fullmatch(r"[0-9A-Fa-f]{4}", p) for p in parts):
            fail("serial.usb_ids", f"entry {usb!r} is not VID:PID in hex (e.g. '2341:005a')")


def parse_board(text: str, where: str) -> Board:
    """Validate and build a Board from TOML text (`where` names the file in errors)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BoardError(f"{where}: not valid TOML ({exc})") from None
    _validate(data, where)
    q, runner, serial = data.get("qemu", {}), data["flash_runner"], data["serial"]
    return Board(
        name=data["name"], description=data["description"], core=data["core"], fpu=data["fpu"],
        clock_hz=data["clock_hz"], framework=data["framework"], port=data["port"],
        mcu=data["mcu"]["name"], mcu_flash_bytes=data["mcu"]["flash_bytes"],
        mcu_ram_bytes=data["mcu"]["ram_bytes"], flash=Region(data["flash"]["origin"], data["flash"]["size"]),
        ram=Region(data["ram"]["origin"], data["ram"]["size"]), baud=serial["baud"],
        emulated=data["emulated"], runner=runner["default"],
        runner_args=tuple(str(a) for a in runner.get("args", [])),
        usb_ids=tuple(str(u).lower() for u in serial.get("usb_ids", [])),
        qemu_machine=q.get("machine"), qemu_args=tuple(str(a) for a in q.get("args", [])),
        systick_hz=q.get("systick_hz"), stack_bytes=data.get("stack_bytes", 4096),
        power=dict(data.get("power", {})), arduino=dict(data.get("arduino", {})),
        port_defines=dict(data.get("port_defines", {})), path=where)


def _read(p: Path, where: str) -> str:
    """A board file's text: UTF-8, else one line naming the first bad byte."""
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise BoardError(f"{where}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BoardError(f"{where}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset "
                         f"{exc.start}); save the board file as UTF-8") from None


def board_files() -> list[Path]:
    return sorted(data_dir("boards").glob("*.toml"))


def load_board(name_or_path: str) -> Board:
    """A shipped board by name, or a board file by path."""
    p = Path(name_or_path)
    if p.suffix == ".toml" and p.exists():
        return parse_board(_read(p, str(p)), str(p))
    for f in board_files():
        if f.stem == name_or_path:
            board = parse_board(_read(f, f"boards/{f.name}"), f"boards/{f.name}")
            if board.name != f.stem:
                raise BoardError(f"boards/{f.name}: field 'name' is {board.name!r}, expected "
                                 f"{f.stem!r} (the file name)")
            return board
    known = ", ".join(f.stem for f in board_files())
    raise BoardError(f"unknown board '{name_or_path}'; known boards: {known} "
                     "(or give the path of a board .toml file)")


def as_board(board: Board | str) -> Board:
    """`board` itself if it is a Board, else load_board(board): library entry points take
    either, so the command line resolves a name once and passes the Board down."""
    return board if isinstance(board, Board) else load_board(board)


def list_boards() -> list[Board]:
    return [load_board(f.stem) for f in board_files()]
