"""Compile generated C with the host compiler and run it on many inputs.

Contract: `HostModel(program, plan, tflite_bytes)` compiles once into a temporary
directory (the kernels only once per compiler and flag set per process: kernel_objects);
`run_all([x0, x1, ...])` feeds one batch-first array per model input (each in that
input's dtype: int8, or float32 for a float input) and returns one batch-first array per
model output (int8, float32, int32 or int64, shaped like the output). `run(x)` is the same
for a single-input single-output model: one array in, one array out. Compiler flags are
the firmware's (codegen.COMMON_CFLAGS: -std=c99, warnings as errors, no FP contraction),
so the arithmetic is the device's.
"""
from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np

from ..errors import ToolError
from ..resources import data_dir
from ..writer import write_files
from .boundary import np_dtype
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


# Kernel objects compiled once per compiler and flag set in this process: the kernels do not
# depend on the model, and compiling them took most of each model's host build.
_KERNEL_OBJECTS: dict[str, list[Path]] = {}
_KERNEL_LOCK = threading.Lock()


def _kernel_key(cc: str, flags: list[str]) -> str:
    h = hashlib.sha256("\0".join([cc, *flags]).encode())
    for p in sorted((data_dir("firmware") / "kernels").iterdir()):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def kernel_objects(cc: str, flags: list[str]) -> list[Path]:
    """The kernels compiled with `cc` and `flags` (object files in a directory removed at
    exit); compiled on the first call for that compiler, flag set and kernel source."""
    key = _kernel_key(cc, flags)
    with _KERNEL_LOCK:
        if key not in _KERNEL_OBJECTS:
            out = Path(tempfile.mkdtemp(prefix="td-kernels-"))
            atexit.register(shutil.rmtree, out, True)
            kernels = data_dir("firmware") / "kernels"
            srcs = kernel_sources()
            res = subprocess.run([cc, *flags, f"-I{kernels}", "-c", *map(str, srcs)],
                                 capture_output=True, text=True, cwd=out)
            if res.returncode != 0:
                raise ToolError("host compile of the kernels failed: "
                                f"{compiler_error(res.stderr)}")
            _KERNEL_OBJECTS[key] = [out / (p.stem + ".o") for p in srcs]
        return _KERNEL_OBJECTS[key]


def compile_host(src_dir: Path, exe: Path, extra_flags: list[str] | None = None) -> None:
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        raise ToolError(f"no host C compiler '{cc}' found; install gcc (apt-get install gcc)")
    flags = [*COMMON_CFLAGS, *(extra_flags or [])]
    objs = kernel_objects(cc, flags)
    kernels = data_dir("firmware") / "kernels"
    srcs = [str(p) for p in sorted((src_dir / "model").glob("*.c"))]
    srcs.append(str(data_dir("firmware") / "host" / "td_host_main.c"))
    cmd = [cc, *flags, f"-I{src_dir / 'model'}", f"-I{kernels}",
           "-o", str(exe), *srcs, *map(str, objs), "-lm"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise ToolError(f"host compile of the generated C failed: {compiler_error(res.stderr)}")


def _per_sample(shape) -> tuple:
    """One sample's shape: without the leading batch dimension when it is 1."""
    shape = tuple(shape)
    return shape[1:] if len(shape) > 1 and shape[0] == 1 else shape


class HostModel:
    """A generated model compiled for the host (see module docstring)."""

    def __init__(self, program: Program, plan: Plan, tflite_bytes: bytes | None = None,
                 extra_flags: list[str] | None = None, keep_dir: Path | None = None):
        self.program = program
        g = program.graph
        self.in_t, self.out_t = g.t(g.inputs[0]), g.t(g.outputs[0])   # the first of each
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
        """A single-input single-output model: batch-first inputs -> batch-first outputs."""
        g = self.program.graph
        if len(g.inputs) != 1 or len(g.outputs) != 1:
            raise ValueError(f"the model has {len(g.inputs)} inputs and {len(g.outputs)} "
                             "outputs; use run_all([x0, x1, ...])")
        return self.run_all([inputs], env)[0]

    def run_all(self, inputs: list, env: dict | None = None) -> list[np.ndarray]:
        """One batch-first array per model input -> one batch-first array per output."""
        g = self.program.graph
        ins = [g.t(t) for t in g.inputs]
        if len(inputs) != len(ins):
            raise ValueError(f"{len(inputs)} input arrays given, the model has {len(ins)} inputs")
        xs = [np.ascontiguousarray(x, dtype=np_dtype(t.dtype)) for x, t in zip(inputs, ins)]
        n = xs[0].shape[0] if xs[0].ndim else 1
        for k, (x, t) in enumerate(zip(xs, ins)):
            if x.size != n * t.size:
                raise ValueError(f"input {k} holds {x.size // max(n, 1)} values per sample "
                                 f"(batch {n}), the model takes {t.size}")
        data = b"".join(b"".join(x[i].tobytes() for x in xs) for i in range(n)) if len(xs) > 1 \
            else xs[0].tobytes()
        res = subprocess.run([str(self.exe)], input=data, capture_output=True, env=env)
        if res.returncode != 0:
            raise ToolError(f"host run failed (exit {res.returncode}): "
                            f"{res.stderr.decode(errors='replace').strip()[:300]}")
        outs = [g.t(t) for t in g.outputs]
        rec = np.dtype([(f"o{k}", np_dtype(t.dtype), (t.size,)) for k, t in enumerate(outs)])
        raw = np.frombuffer(res.stdout, dtype=rec, count=n)
        return [np.array(raw[f"o{k}"]).reshape((n,) + _per_sample(t.shape))
                for k, t in enumerate(outs)]

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
