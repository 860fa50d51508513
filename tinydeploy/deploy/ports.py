"""Serial ports of real boards: found by USB VID:PID, and the 1200-baud bootloader touch.

Contract: `find_port(board, ports=None)` returns the one port whose USB VID:PID is in the
board's `serial.usb_ids` (case-insensitive), from `ports` or pyserial's
`serial.tools.list_ports.comports()`; none or several raise PortError listing what was seen
and saying to plug the board in or pass --port. `touch_1200(port, board)` opens the port at
1200 baud and closes it (an Arduino's sketch then resets into its bootloader), waits for
the bootloader's port (same or another device name, maybe another PID) and returns it.
Everything that touches hardware is injectable (`serial_factory`, `list_ports`, `sleep`),
so tests run without a board.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

from ..errors import TinyDeployError
from .boards import Board


class PortError(TinyDeployError):
    """No usable serial port for the board: none, several, or it vanished."""


def comports() -> list:
    from serial.tools.list_ports import comports as _comports
    return list(_comports())


def usb_id(p) -> str | None:
    """'vvvv:pppp' in lower-case hex, or None for a port without USB information."""
    if getattr(p, "vid", None) is None or getattr(p, "pid", None) is None:
        return None
    return f"{p.vid:04x}:{p.pid:04x}"


def describe(p) -> str:
    """One port as the messages show it: device, VID:PID, description, serial number."""
    parts = [p.device, usb_id(p) or "no USB id"]
    desc = getattr(p, "description", None)
    if desc and desc != "n/a" and desc != os.path.basename(p.device):
        parts.append(repr(desc))
    if getattr(p, "serial_number", None):
        parts.append(f"serial {p.serial_number}")
    return " ".join(parts)


def _ids(board: Board) -> set[str]:
    return {u.lower() for u in board.usb_ids}


def _seen(ports: list) -> str:
    return "; ".join(describe(p) for p in ports) if ports else "none"


def matching(board: Board, ports: Iterable) -> list:
    ids = _ids(board)
    return [p for p in ports if usb_id(p) in ids]


def find_port(board: Board, ports: Iterable | None = None) -> str:
    """The board's serial port by USB VID:PID (see the module docstring)."""
    ports = list(comports() if ports is None else ports)
    if not board.usb_ids:
        raise PortError(f"board {board.name} lists no USB ids (serial.usb_ids) to find its port "
                        f"by; pass --port (ports seen: {_seen(ports)})")
    found = matching(board, ports)
    want = " or ".join(board.usb_ids)
    if not found:
        raise PortError(f"no serial port with USB id {want} ({board.name}) found; ports seen: "
                        f"{_seen(ports)}. Plug the board in (with a data cable) or pass --port")
    if len(found) > 1:
        raise PortError(f"several serial ports look like {board.name} ({want}): {_seen(found)}; "
                        "pass --port to choose one")
    return found[0].device


def touch_1200(port: str, board: Board, *, serial_factory: Callable | None = None,
               list_ports: Callable[[], Iterable] | None = None,
               sleep: Callable[[float], None] = time.sleep, timeout: float = 10.0,
               poll: float = 0.1, settle: float = 3.0) -> str:
    """Reset the board into its bootloader by a 1200-baud open and close, as the Arduino IDE
    does; return the bootloader's port (see `wait_for_bootloader`)."""
    lister = list_ports or comports
    if os.path.exists(port):
        port = os.path.realpath(port)          # /dev/serial/by-id/... -> /dev/ttyACM0
    before = {p.device: usb_id(p) for p in lister()}
    if serial_factory is None:
        import serial
        serial_factory = serial.Serial
    try:
        s = serial_factory(port, 1200)
    except OSError as e:                        # serial.SerialException is an OSError
        raise PortError(f"cannot open {port} at 1200 baud to start the bootloader: {e}"
                        + permission_hint(str(e))) from None
    try:
        s.dtr = False
    except OSError:
        pass
    finally:
        try:
            s.close()
        except OSError:                         # the device may vanish as it resets
            pass
    return wait_for_bootloader(port, board, before, lister, sleep, timeout, poll, settle)


def wait_for_bootloader(port: str, board: Board, before: dict, list_ports: Callable,
                        sleep: Callable[[float], None] = time.sleep, timeout: float = 10.0,
                        poll: float = 0.1, settle: float = 3.0) -> str:
    """Poll the port list after a touch. A new port with one of the board's USB ids is the
    bootloader; so is `port` once it has vanished and come back, or changed VID:PID between
    two polls. If `port` never leaves within `settle` s the board was already in its
    bootloader (or ignores the touch): use it. Gone and not back within `timeout`: PortError."""
    ids, gone, ports = _ids(board), False, []
    polls = max(1, round(timeout / poll))
    for i in range(1, polls + 1):
        sleep(poll)
        ports = list(list_ports())
        new = [p for p in ports if p.device not in before and (usb_id(p) in ids or not ids)]
        if len(new) == 1:
            return new[0].device
        if len(new) > 1:
            raise PortError(f"several new ports appeared after the 1200-baud touch of {port}: "
                            f"{_seen(new)}; pass the bootloader's port with --port")
        cur = next((p for p in ports if p.device == port), None)
        if cur is None:
            gone = True
        elif gone or (port in before and usb_id(cur) != before[port]):
            return port
        elif i * poll >= settle:
            return port
    raise PortError(f"{port} vanished after the 1200-baud touch and no port with USB id "
                    f"{' or '.join(board.usb_ids) or '(any)'} came back within {timeout:g} s "
                    f"(ports seen: {_seen(ports)}); press the board's reset button twice quickly "
                    "to start its bootloader, then pass its port with --port")


def permission_hint(text: str) -> str:
    if "permission denied" in text.lower() or "errno 13" in text.lower():
        return (" (on Linux add yourself to the dialout group: sudo usermod -aG dialout $USER, "
                "then log in again)")
    return ""
