"""Framing and transport of the device serial protocol (MLPerf Tiny / EEMBC; docs/protocol.md).

Contract: `SerialLink(port)` wraps an open pyserial port (`serial.Serial` or
`serial.serial_for_url`). `command(cmd)` sends `cmd%` and returns the protocol lines of the
reply, up to and including `m-ready`. It never waits longer than its timeout: a timeout, a
closed or vanished port, or (with check=True) an `e-[...]` reply raises `DeviceError`, a
one-line `TinyDeployError`. Lines that are not protocol lines (boot noise, partial lines)
are kept in `garbage` and otherwise ignored. What the commands mean is dut.py's business.
No TensorFlow here.
"""
from __future__ import annotations

import collections
import re
import time

import serial
from serial.urlhandler import protocol_socket

from ..errors import TinyDeployError

READY = "m-ready"
DB_CHUNK = 31                    # bytes per `db` command, as the official runner sends
UNITS = ("us", "instructions")   # what the device's profiling counter may count
_POLL_S = 0.05                   # read slice: bounds how late a timeout can be noticed
_MAX_PARTIAL = 1 << 16           # a "line" longer than this is noise, not protocol

_ERROR = re.compile(r"^e-\[(.*)\]$")
_LEADING_NOISE = re.compile(r"^[^\x21-\x7e]+")


class DeviceError(TinyDeployError):
    """The device did not answer as the protocol says: timeout, lost port, `e-` reply or a
    malformed line. `lines` holds the reply lines received so far."""

    def __init__(self, message: str, lines=()):
        super().__init__(" ".join(message.split()))      # always one line
        self.lines = list(lines)


def shorten(cmd: str, limit: int = 40) -> str:
    return cmd if len(cmd) <= limit else cmd[:limit] + "..."


class _SocketKeepingInput(protocol_socket.Serial):
    """pyserial's socket:// port, except that opening it keeps what has already arrived.

    pyserial's open() connects and then discards pending input. A QEMU TCP chardev with
    wait=on starts the guest when the connection is accepted, so the boot banner can
    arrive in between; on a loaded machine it regularly did, and the banner was lost
    ("no m-ready within 20 s after 'boot'; nothing received")."""

    _opening = False

    def open(self):
        self._opening = True
        try:
            super().open()
        finally:
            self._opening = False

    def reset_input_buffer(self):
        if not self._opening:
            super().reset_input_buffer()


def _heard(n: int) -> str:
    """What arrived when no protocol line did: nothing, or how much noise."""
    if n == 0:
        return "; nothing received"
    size = f"{n} bytes" if n < 10_000 else f"{n / 1000:,.0f} KB"
    return f"; {size} received, no protocol line (wrong baud rate or another program's output?)"


class SerialLink:
    """One open serial port speaking the protocol's framing (see the module docstring)."""

    def __init__(self, port, timeout: float = 5.0):
        self.port = port
        self.timeout = timeout
        self.garbage: collections.deque[str] = collections.deque(maxlen=1000)
        self.received = 0            # bytes read from the port in all: what an error can say
        self._buf = bytearray()
        self._unit: str | None = None
        try:
            # Short blocking reads: every wait is bounded by our own deadlines, and a
            # non-blocking port (timeout 0) would make the read loop spin.
            if port.timeout != _POLL_S:
                port.timeout = _POLL_S
        except (serial.SerialException, OSError, ValueError) as e:
            raise DeviceError(f"cannot configure serial port {self.port_name}: {e}") from None

    @classmethod
    def open(cls, url: str, baudrate: int = 115200, timeout: float = 5.0):
        """Open a port by path or pyserial URL (e.g. /dev/ttyACM0, /dev/pts/3, loop://)."""
        try:
            if url.startswith("socket://"):
                port = _SocketKeepingInput(url, baudrate=baudrate, timeout=_POLL_S)
            else:
                port = serial.serial_for_url(url, baudrate=baudrate, timeout=_POLL_S)
        except (serial.SerialException, OSError, ValueError) as e:
            raise DeviceError(f"cannot open serial port {url}: {e}") from None
        return cls(port, timeout)

    @property
    def port_name(self) -> str:
        return str(getattr(self.port, "port", None) or getattr(self.port, "name", "") or "port")

    def close(self) -> None:
        try:
            self.port.close()
        except (serial.SerialException, OSError):
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- transport ---------------------------------------------------------------------

    def _lost(self, what: str, e: Exception) -> DeviceError:
        return DeviceError(f"serial port {self.port_name} closed or vanished during "
                           f"'{shorten(what)}': {e}")

    def send_raw(self, data: bytes, what: str = "raw bytes") -> None:
        """Write bytes as they are (tests use it for garbage and partial commands)."""
        try:
            self.port.write(data)
            self.port.flush()
        except (serial.SerialException, OSError) as e:
            raise self._lost(what, e) from None

    def _read_some(self, what: str) -> bytes:
        try:
            waiting = self.port.in_waiting
            data = self.port.read(max(1, waiting))
        except (serial.SerialException, OSError) as e:
            raise self._lost(what, e) from None
        self.received += len(data)
        return data

    def _drain(self, what: str) -> None:
        """Move bytes already waiting (late or unsolicited output) into `garbage`."""
        try:
            waiting = self.port.in_waiting
            if waiting:
                data = self.port.read(waiting)
                self.received += len(data)
                self._buf += data
        except (serial.SerialException, OSError) as e:
            raise self._lost(what, e) from None
        for raw in bytes(self._buf).split(b"\n"):
            text = raw.decode("ascii", "replace").strip("\r")
            if text:
                self.garbage.append(text)
        self._buf.clear()

    def _classify(self, raw: bytes) -> str | None:
        """A protocol line ('m-...' or 'e-...'), or None for noise (recorded)."""
        text = raw.decode("ascii", "replace").rstrip("\r")
        core = _LEADING_NOISE.sub("", text)
        if core.startswith(("m-", "e-")):
            return core
        if text:
            self.garbage.append(text)
        # A partial line glued to the terminator still ends the reply, as hosts expect.
        return READY if core.endswith(READY) else None

    def read_reply(self, timeout: float | None = None, what: str = "reply") -> list[str]:
        """Protocol lines up to and including the next m-ready."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        lines: list[str] = []
        start = self.received
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                raw = bytes(self._buf[:nl])
                del self._buf[:nl + 1]
                line = self._classify(raw)
                if line is not None:
                    lines.append(line)
                    if line == READY:
                        return lines
                continue
            if len(self._buf) > _MAX_PARTIAL:
                self.garbage.append(self._buf[:200].decode("ascii", "replace") + "...")
                self._buf.clear()
            if time.monotonic() >= deadline:
                last = f"; last line: {lines[-1]!r}" if lines else _heard(self.received - start)
                raise DeviceError(f"no m-ready from {self.port_name} within {limit:g} s "
                                  f"after '{shorten(what)}'{last}", lines)
            try:
                self._buf += self._read_some(what)
            except DeviceError as e:
                raise DeviceError(str(e), lines) from None

    def command(self, cmd: str, timeout: float | None = None, check: bool = True) -> list[str]:
        """Send `cmd%`; return the reply lines including m-ready. check=True raises
        DeviceError on an `e-` line."""
        if "%" in cmd:
            raise ValueError(f"a command cannot contain '%': {cmd!r}")
        try:
            data = cmd.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError(f"commands are ASCII: {cmd!r}") from None
        self._drain(cmd)
        self.send_raw(data + b"%", cmd)
        lines = self.read_reply(timeout, cmd)
        if check:
            for line in lines:
                if line.startswith("e-"):
                    m = _ERROR.match(line)
                    text = m.group(1) if m else line[2:]
                    raise DeviceError(f"device refused '{shorten(cmd)}': {text}", lines)
        return lines

    def wait_ready(self, timeout: float | None = None) -> list[str]:
        """Lines of the boot banner, up to and including m-ready. Open the port before the
        device boots: opening a serial device discards pending input (socket:// ports
        opened by SerialLink.open keep it, so a QEMU guest may start on connect)."""
        return self.read_reply(timeout, "boot")

    def sync(self, timeout: float | None = None) -> list[str]:
        """Send a bare '%' and return the reply up to m-ready: ends a half-sent command
        (the reply is then that command's e-[...]) and proves the device listens, as the
        official runner does before a session. Best effort after a timed-out command,
        whose late reply may still be arriving."""
        self._drain("sync")
        self.send_raw(b"%", "sync")
        return self.read_reply(timeout, "sync")
