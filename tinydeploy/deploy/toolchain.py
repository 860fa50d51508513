"""Compiler flags per core: the one table every build uses (Makefile, checks, benchmarks).

COMMON_CFLAGS, the flags the generated C itself needs, belong to compiler.codegen and are
re-exported here beside the per-core flags."""
from __future__ import annotations

import shutil

from ..compiler.codegen import COMMON_CFLAGS  # noqa: F401  (the generated C's flags)
from ..compiler.hostrun import compiler_error  # noqa: F401  (one reading of compiler output)
from ..errors import ToolError

_CPU = {
    "cortex-m0": ("-mcpu=cortex-m0", None),
    "cortex-m0plus": ("-mcpu=cortex-m0plus", None),
    "cortex-m3": ("-mcpu=cortex-m3", None),
    "cortex-m4": ("-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16"),
    "cortex-m7": ("-mcpu=cortex-m7", "-mfpu=fpv5-d16"),
    "cortex-m33": ("-mcpu=cortex-m33", "-mfpu=fpv5-sp-d16"),
}
CORES = tuple(_CPU)   # the cores a build or an export may name


def cpu_flags(core: str, fpu: bool) -> list[str]:
    """-mcpu/-mthumb/-mfpu/-mfloat-abi for a core; hard float only where the core has an FPU."""
    cpu, fpu_flag = _CPU[core]
    if fpu and fpu_flag:
        return [cpu, "-mthumb", fpu_flag, "-mfloat-abi=hard"]
    return [cpu, "-mthumb", "-mfloat-abi=soft"]


# Words that mark the line of a flash tool's output saying what went wrong.
FLASH_TOOL_KEYS = ("error", "fail", "fatal", "no device", "not found", "unable", "cannot",
                   "can't", "could not", "couldn't", "timed out", "timeout", "denied",
                   "no such", "no connected", "not connected")
# ... and of a compiler's or linker's output.
COMPILER_KEYS = ("error", "overflow")


def relevant_line(output: str, keys: tuple[str, ...] = FLASH_TOOL_KEYS) -> str:
    """The first line of a tool's output that says what went wrong (a line holding one of
    `keys`), else its last non-empty line; at most 300 characters."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    for ln in lines:
        if any(k in ln.lower() for k in keys):
            return ln[:300]
    return lines[-1][:300] if lines else "(no output)"


def require(tool: str, package: str) -> str:
    """Path of an external tool, or a ToolError naming the Debian package that provides it."""
    path = shutil.which(tool)
    if path is None:
        raise ToolError(f"'{tool}' not found; install it (Debian/Ubuntu: apt-get install {package})")
    return path
