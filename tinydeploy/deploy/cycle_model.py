"""The cycle model of emulated boards: firmware/qemu/td_cycles.c, a QEMU TCG plugin that
charges each executed instruction its cost on the board's core (Arm TRM tables, zero wait
states), built for the host on first use.

Contract: `plugin_for(core)` returns the compiled plugin's path, or None for a core without
a model (`NO_MODEL` says why). The plugin is compiled with the host C compiler ($CC, else
cc) into the user cache directory ($XDG_CACHE_HOME/tinydeploy, else ~/.cache/tinydeploy)
under a name that carries the hash of its sources, so an edited source is rebuilt and a
concurrent build never exposes a partial file (written beside, then renamed).
`plugin_arg(path, core, log, mark)` is the -plugin value; `read_marks(log)` the log's
(instructions, cycles) pairs, one per entry into the marked function.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
from pathlib import Path

from ..errors import ToolError
from ..resources import data_dir
from .toolchain import compiler_error

MODELLED = ("cortex-m0", "cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m33")
NO_MODEL = {"cortex-m7": "no cycle model for cortex-m7: its dual issue is not a "
                         "per-instruction table"}
# The one function whose entries the plugin logs: the harness's profiling counter read.
MARK_SYMBOL = "td_port_counter"


def _sources() -> list[Path]:
    """The plugin's files, its C sources first."""
    d = data_dir("firmware") / "qemu"
    return [d / "td_cycles.c", d / "td_cycles_thumb.c", d / "td_cycles_thumb.h",
            d / "td_qemu_plugin_api.h"]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tinydeploy"


def plugin_for(core: str) -> Path | None:
    """The built plugin (see the module docstring), or None if `core` has no model."""
    if core not in MODELLED:
        return None
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        raise ToolError(f"no host C compiler '{cc}' found to build the cycle model; "
                        "install gcc (apt-get install gcc)")
    h = hashlib.sha256(cc.encode())
    for p in _sources():
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    out = cache_dir() / f"td_cycles-{h.hexdigest()[:16]}.so"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")
    srcs = [p for p in _sources() if p.suffix == ".c"]
    cmd = [cc, "-O2", "-std=c99", "-shared", "-fPIC", "-fvisibility=hidden",
           f"-I{srcs[0].parent}", "-o", str(tmp), *map(str, srcs)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise ToolError(f"build of the cycle model plugin failed: {compiler_error(res.stderr)}")
    os.replace(tmp, out)
    return out


def plugin_arg(plugin: Path, core: str, log: Path, mark: int) -> str:
    """QEMU's -plugin value; commas in paths doubled, as QEMU's option parser wants."""
    def esc(p):
        return str(p).replace(",", ",,")
    return f"{esc(plugin)},core={core},log={esc(log)},mark={mark:#x}"


def read_marks(log: Path | str) -> list[tuple[int, int]]:
    """(instructions, cycles) since reset at each logged entry; a line still being
    written (no newline yet) is left out."""
    text = Path(log).read_text()
    lines = text.split("\n")[:-1]
    return [(int(a), int(b)) for a, b in (ln.split() for ln in lines)]
