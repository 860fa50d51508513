"""Compile generated C with the host compiler and run it on many inputs.

Contract: `HostModel(program, plan, tflite_bytes)` compiles once into a temporary
directory; `run(inputs_int8)` feeds a batch-first int8 array and returns the int8 outputs
(batch first, shaped like the model output). Compiler flags are the firmware's
(codegen.COMMON_CFLAGS: -std=c99, warnings as errors, no FP contraction), so the
arithmetic is the device's.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ToolError
from ..resources import data_dir
from ..writer import write_files
from .codegen import COMMON_CFLAGS, generate
from .planner import Plan
from .program import Program

# A compiler's or linker's diagnostic: `file:line[:col]: [fatal ]error: ...`, `#error`, or a
# link error; never the echoed command line (which holds -Werror and file names).
_DIAGNOSTIC = re.compile(r"^\S+?:\d+(?::\d+)?: (?:fatal )?error: |#error|"
                         r"undefined reference to|multiple definition of|region `\w+' overflowed|"
                         r"^collect2: error|^\S*ld(?:\.\w+)?: ")


def compiler_error(output: str) -> str:
    """The first real error line of a compiler/linker/make run (see _DIAGNOSTIC), else the
    last line make printed about a failing target, else its last line."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    for ln in lines:
        if _DIAGNOSTIC.search(ln):
            return ln[:300]
    for ln in reversed(lines):
        if ln.startswith("make") and "Error" in ln:
            return ln[:300]
    return lines[-1][:300] if lines else "(no output)"


def kernel_sources() -> list[Path]:
    return sorted((data_dir("firmware") / "kernels").glob("*.c"))


def compile_host(src_dir: Path, exe: Path, extra_flags: list[str] | None = None) -> None:
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        raise ToolError(f"no host C compiler '{cc}' found; install gcc (apt-get install gcc)")
    kernels = data_dir("firmware") / "kernels"
    srcs = [str(p) for p in sorted((src_dir / "model").glob("*.c"))]
    srcs += [str(p) for p in kernel_sources()]
    srcs.append(str(data_dir("firmware") / "host" / "td_host_main.c"))
    cmd = [cc, *COMMON_CFLAGS, *(extra_flags or []), f"-I{src_dir / 'model'}", f"-I{kernels}",
           "-o", str(exe), *srcs, "-lm"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise ToolError(f"host compile of the generated C failed: {compiler_error(res.stderr)}")


class HostModel:
    """A generated model compiled for the host (see module docstring)."""

    def __init__(self, program: Program, plan: Plan, tflite_bytes: bytes | None = None,
                 extra_flags: list[str] | None = None, keep_dir: Path | None = None):
        self.program = program
        g = program.graph
        self.in_t, self.out_t = g.t(g.inputs[0]), g.t(g.outputs[0])
        self._tmp = None
        if keep_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="td-host-")
            self.dir = Path(self._tmp.name)
        else:
            self.dir = Path(keep_dir)
        write_files(generate(program, plan, tflite_bytes), self.dir)
        self.exe = self.dir / "td_host"
        compile_host(self.dir, self.exe, extra_flags)

    def run(self, inputs: np.ndarray, env: dict | None = None) -> np.ndarray:
        x = np.ascontiguousarray(inputs, dtype=np.int8)
        n = x.shape[0]
        if x.size != n * self.in_t.size:
            raise ValueError(f"inputs hold {x.size // max(n, 1)} values per sample, the model "
                             f"takes {self.in_t.size}")
        res = subprocess.run([str(self.exe)], input=x.tobytes(), capture_output=True,
                             env=env)
        if res.returncode != 0:
            raise ToolError(f"host run failed (exit {res.returncode}): "
                            f"{res.stderr.decode(errors='replace').strip()[:300]}")
        out = np.frombuffer(res.stdout, dtype=np.int8)
        return out.reshape((n,) + tuple(self.out_t.shape[1:]))

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
