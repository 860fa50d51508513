"""Run firmware for an emulated board in QEMU with its UART on a local TCP port or a pty.

Contract: `start_qemu(board, elf, serial="tcp")` returns a running QemuInstance whose
`url` pyserial opens (`socket://127.0.0.1:PORT` or a /dev/pts path) and whose `stop()` ends
the process by its pid. With serial="tcp" QEMU waits for the connection before the guest
starts, so the boot banner is never lost. QEMU runs with -icount shift=0: one instruction
per virtual nanosecond, deterministic, which is what the firmware's instruction timer
relies on (docs/architecture.md, Firmware: timing).
With cycles=True and a core the cycle model knows (deploy/cycle_model.py), QEMU also loads
the td_cycles plugin: `cycle_log` is then the file that gets (instructions, cycles) at each
entry into the firmware's td_port_counter(), else None (`cycle_note` says why).
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolError
from . import cycle_model
from .boards import Board
from .toolchain import require


def qemu_argv(board: Board, elf: Path | str, chardev: str,
              plugin: str | None = None) -> list[str]:
    """The QEMU command line for a board (argv list, tested without running it); `plugin`
    is a -plugin value (cycle_model.plugin_arg)."""
    if not board.emulated or not board.qemu_machine:
        raise ToolError(f"board {board.name} is not emulated; flash it with its runner "
                        f"({board.runner})")
    return ["qemu-system-arm", "-M", board.qemu_machine, "-nographic", "-monitor", "none",
            "-icount", "shift=0", *board.qemu_args, *(["-plugin", plugin] if plugin else []),
            "-serial", chardev, "-kernel", str(elf)]


def symbol_address(elf: Path | str, name: str) -> int | None:
    """A function's address in an ELF (Thumb bit cleared), or None if it has none."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection
    with open(elf, "rb") as f:
        for sec in ELFFile(f).iter_sections():
            if isinstance(sec, SymbolTableSection):
                for sym in sec.get_symbol_by_name(name) or []:
                    return sym["st_value"] & ~1
    return None


def _cycle_plugin(board: Board, elf: Path | str) -> tuple[str | None, Path | None, str | None]:
    """(-plugin value, its log, None) or (None, None, why there is no cycle estimate)."""
    plugin = cycle_model.plugin_for(board.core)
    if plugin is None:
        return None, None, cycle_model.NO_MODEL.get(board.core, f"no cycle model for "
                                                                f"{board.core}")
    mark = symbol_address(elf, cycle_model.MARK_SYMBOL)
    if mark is None:
        return None, None, f"the firmware has no {cycle_model.MARK_SYMBOL}()"
    log = Path(tempfile.mkstemp(prefix=f"td-cycles-{board.name}-", suffix=".log")[1])
    return cycle_model.plugin_arg(plugin, board.core, log, mark), log, None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class QemuInstance:
    pid: int
    url: str
    argv: list[str]
    log: Path
    _proc: subprocess.Popen | None = None
    cycle_log: Path | None = None
    cycle_note: str | None = None

    def alive(self) -> bool:
        if self._proc is not None:
            return self._proc.poll() is None
        try:
            # Our own detached child: reap it if it exited, so a zombie is not "alive".
            if os.waitpid(self.pid, os.WNOHANG)[0] == self.pid:
                return False
        except ChildProcessError:
            pass
        try:
            os.kill(self.pid, 0)
            return True
        except OSError:
            return False

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate QEMU by pid (SIGTERM, then SIGKILL); safe to call twice."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self._proc is not None:
                    if self._proc.poll() is not None:
                        return
                elif not self.alive():
                    return
                time.sleep(0.02)
        if self._proc is not None:
            self._proc.poll()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_qemu(board: Board, elf: Path | str, serial: str = "tcp",
               timeout: float = 10.0, detach: bool = False,
               cycles: bool = False) -> QemuInstance:
    """Start QEMU in the background (see module docstring). detach=True lets it outlive
    this process (for `tinydeploy flash`); stop it later by pid. cycles=True: with the
    cycle model when the core has one."""
    require("qemu-system-arm", "qemu-system-arm")
    if not Path(elf).is_file():
        raise ToolError(f"no firmware image at {elf}; run tinydeploy build first")
    log = Path(tempfile.mkstemp(prefix=f"td-qemu-{board.name}-", suffix=".log")[1])
    if serial == "tcp":
        port = _free_port()
        chardev = f"tcp:127.0.0.1:{port},server=on,wait=on"
        url = f"socket://127.0.0.1:{port}"
    elif serial == "pty":
        chardev, url = "pty", ""
    else:
        raise ValueError(f"serial must be 'tcp' or 'pty', not {serial!r}")
    plugin, cycle_log, cycle_note = _cycle_plugin(board, elf) if cycles else (None, None, None)
    argv = qemu_argv(board, elf, chardev, plugin)
    with open(log, "wb") as logf:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                start_new_session=detach)
    inst = QemuInstance(proc.pid, url, argv, log, None if detach else proc, cycle_log,
                        cycle_note)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if proc.poll() is not None:
            raise ToolError(f"QEMU exited at start ({proc.returncode}): "
                            f"{text.strip().splitlines()[-1] if text.strip() else 'no output'}")
        if serial == "pty":
            m = re.search(r"char device redirected to (/dev/pts/\d+)", text)
            if m:
                inst.url = m.group(1)
                return inst
        elif "waiting for connection" in text:
            return inst
        time.sleep(0.05)
    inst.stop()
    raise ToolError(f"QEMU did not start within {timeout:.0f} s (log: {log})")
