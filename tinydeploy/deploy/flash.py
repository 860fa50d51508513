"""`tinydeploy flash`: put a built firmware on its board, or start it in QEMU.

Contract: `flash(build_dir, board=None, port=None, runner=None, serial="tcp", extra=())`
(board: a Board, a name or a .toml path; None = the board the build dir was generated for)
- real board: resolves the runner (the board's default or `runner`; one that cannot work
  for the board or the project is refused), checks its tool (ToolError naming the package),
  finds the serial port by USB VID:PID when the runner needs one and `port` is not given,
  does the 1200-baud touch for bossac, runs the argv (runners.py) with its output captured
  (failure: ToolError with the tool's most relevant line) and returns a JSON-able report.
- emulated board (runner qemu): starts QEMU detached (with the cycle model when the core
  has one: `cycle_log`, for `tinydeploy profile --cycle-log`), records {pid, url, board,
  elf, ...} in `<build_dir>/.td-qemu.json` and returns the serial URL (with serial="tcp"
  the guest starts when the first client connects: that URL is what `tinydeploy profile
  --port` opens). If the record names a QEMU that is still running, flash refuses (stop it first);
  a stale record is replaced.
`stop(build_dir)` ends the recorded QEMU by its pid and clears the record; nothing recorded
or a stale pid is reported, never an error. `running(build_dir)` is the live record or None.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..errors import ToolError
from ..writer import write_bytes_atomic
from .boards import Board, load_board
from .ports import comports, find_port, permission_hint, touch_1200
from .qemu import start_qemu
from .runners import (
    BuildDir,
    FlashError,
    check_arduino_cli_output,
    check_runner,
    find_image,
    find_tool,
    get_runner,
    image_for,
    read_build_dir,
    runner_args,
)
from .toolchain import relevant_line

STATE_FILE = ".td-qemu.json"
FLASH_TIMEOUT_S = 300


def flash(build_dir, board: Board | str | None = None, port: str | None = None,
          runner: str | None = None, serial: str = "tcp", extra=(), *,
          progress: Callable[[str], None] | None = None,
          which: Callable[[str], str | None] = shutil.which, execute: Callable = subprocess.run,
          list_ports: Callable | None = None, serial_factory: Callable | None = None,
          sleep: Callable[[float], None] = time.sleep) -> dict:
    """Flash or start (see the module docstring). The keyword-only arguments after `progress`
    are the hardware/tool seams tests replace."""
    say = progress or (lambda msg: None)
    bd = read_build_dir(build_dir)
    if isinstance(board, Board):
        b = board
    else:
        name = board or bd.board
        if not name:
            raise FlashError(f"cannot tell which board {bd.root} was built for; pass --board")
        b = load_board(name)
    r = get_runner(runner or b.runner)
    check_runner(r, b, bd)
    if r.name == "qemu":
        if port:
            raise FlashError("--port does not apply to an emulated board: QEMU's serial is a "
                             "local TCP port or a pty, printed when it starts")
        if extra:
            raise FlashError("the qemu runner takes no extra arguments; QEMU options belong in "
                             "the board file's qemu.args")
        return _start_emulated(bd, b, serial, say)

    image = image_for(r, b, bd)
    if r.name == "arduino-cli":
        check_arduino_cli_output(bd, b)
    args = runner_args(r, b, extra)
    r.argv(b, image, port or "/dev/PORT", args)        # argument errors before the board is touched
    tool = find_tool(r, which)
    lister = list_ports or comports
    if not port and (r.port == "required" or (r.port == "optional" and b.usb_ids)):
        port = find_port(b, lister())
        say(f"found {b.name} on {port}")
    if r.touch_1200:
        assert port is not None                         # its runner requires a port: found above
        say(f"1200-baud touch on {port}: resetting {b.name} into its bootloader")
        port = touch_1200(port, b, serial_factory=serial_factory, list_ports=lister, sleep=sleep)
        say(f"bootloader on {port}")
    argv = r.argv(b, image, port, args)
    argv[0] = tool
    say(f"flashing with {r.name}: {' '.join(argv)}")
    try:
        res = execute(argv, capture_output=True, text=True, timeout=FLASH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ToolError(f"{r.name} did not finish within {FLASH_TIMEOUT_S} s ({' '.join(argv)})"
                        ) from None
    except OSError as e:
        raise ToolError(f"cannot run {tool}: {e}") from None
    output = (res.stdout or "") + (res.stderr or "")
    if res.returncode != 0:
        line = relevant_line(output)
        raise ToolError(f"{r.name} failed (exit {res.returncode}): {line}"
                        + (permission_hint(line) if port else ""))
    return dict(board=b.name, runner=r.name, argv=argv, port=port, image=str(image),
                build_dir=str(bd.root), emulated=False, output=output[-4000:])


# ---- emulated boards: QEMU in the background, recorded in the build dir -------------------

def _read_state(path: Path) -> dict | None:
    """The record, {} for an unreadable one, None when there is none."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _pid_state(pid, argv0: str | None) -> str:
    """'running', 'gone' (exited, or a zombie) or 'other' (the pid now belongs to another
    program or user: not ours to stop)."""
    if not isinstance(pid, int) or pid <= 0:
        return "gone"
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:      # our own child that exited: reap it
            return "gone"
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "gone"
    except PermissionError:
        return "other"
    proc = Path(f"/proc/{pid}")
    if proc.is_dir():                                   # Linux: rule out zombies and reuse
        try:
            if proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return "gone"
            cmd = proc.joinpath("cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
        except (OSError, IndexError):
            return "gone"
        if argv0 and cmd and os.path.basename(cmd) != os.path.basename(argv0):
            return "other"                              # (an exiting process has no cmdline)
    return "running"


def _terminate(pid: int, argv0: str | None, timeout: float) -> bool:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _pid_state(pid, argv0) == "gone":
                return True
            time.sleep(0.02)
    return _pid_state(pid, argv0) == "gone"


def _argv0(rec: dict) -> str | None:
    argv = rec.get("argv")
    return argv[0] if isinstance(argv, list) and argv else None


def running(build_dir) -> dict | None:
    """The record of the QEMU started for `build_dir` if it is still running, else None."""
    rec = _read_state(Path(build_dir) / STATE_FILE)
    if rec and _pid_state(rec.get("pid"), _argv0(rec)) == "running":
        return rec
    return None


def _start_emulated(bd: BuildDir, board: Board, serial: str, say) -> dict:
    if serial not in ("tcp", "pty"):
        raise FlashError(f"serial must be 'tcp' or 'pty', not {serial!r}")
    state = bd.root / STATE_FILE
    old = _read_state(state)
    if old is not None:
        if _pid_state(old.get("pid"), _argv0(old)) == "running":
            raise FlashError(f"QEMU is already running {bd.root} (pid {old.get('pid')}, serial "
                             f"{old.get('url')}); stop it first: tinydeploy flash {bd.root} --stop")
        say(f"clearing a stale QEMU record (pid {old.get('pid')} is not running)")
        state.unlink(missing_ok=True)
    elf = find_image(bd, ("elf",), board)
    say(f"starting QEMU ({board.qemu_machine}) with {elf}")
    inst = start_qemu(board, elf, serial, detach=True, cycles=True)
    cycle_log = str(inst.cycle_log) if inst.cycle_log else None
    rec = dict(pid=inst.pid, url=inst.url, board=board.name, elf=str(elf), serial=serial,
               started=datetime.now(UTC).isoformat(timespec="seconds"),
               argv=list(inst.argv), log=str(inst.log), cycle_log=cycle_log)
    try:
        write_bytes_atomic(state, (json.dumps(rec, indent=2) + "\n").encode())
    except OSError as e:
        _terminate(inst.pid, _argv0(rec), 5.0)
        raise FlashError(f"cannot record the QEMU pid in {state}: {e}; QEMU stopped") from None
    note = ("QEMU waits for the first connection to this URL before the firmware starts"
            if serial == "tcp" else "the firmware is running; open the pty to talk to it")
    return dict(board=board.name, runner="qemu", argv=list(inst.argv), port=inst.url,
                url=inst.url, pid=inst.pid, image=str(elf), build_dir=str(bd.root),
                emulated=True, state=str(state), log=str(inst.log), cycle_log=cycle_log,
                note=note)


def stop(build_dir, timeout: float = 5.0) -> dict:
    """End the QEMU recorded for `build_dir` by its pid and clear the record."""
    root = Path(build_dir)
    path = root / STATE_FILE
    rec = _read_state(path)
    if rec is None:
        return dict(stopped=False, build_dir=str(root),
                    message=f"nothing is running for {root} (no QEMU recorded)")
    pid, argv0 = rec.get("pid"), _argv0(rec)
    base = dict(build_dir=str(root), pid=pid, url=rec.get("url"), board=rec.get("board"))
    status = _pid_state(pid, argv0)
    if status == "running":
        assert isinstance(pid, int)                     # "running": a positive int pid (_pid_state)
        if not _terminate(pid, argv0, timeout):
            raise ToolError(f"QEMU pid {pid} did not stop (SIGTERM, SIGKILL); record kept in "
                            f"{path}")
    path.unlink(missing_ok=True)
    if status == "running":
        msg = f"stopped QEMU (pid {pid}, board {rec.get('board')}, serial {rec.get('url')})"
    elif status == "other":
        msg = (f"pid {pid} recorded for {root} is no longer QEMU (another program has it); "
               "left it alone and cleared the record")
    elif not rec:
        msg = f"the QEMU record {path} was unreadable; cleared it"
    else:
        msg = f"QEMU pid {pid} recorded for {root} was no longer running; cleared the stale record"
    return dict(base, stopped=status == "running", message=msg)
