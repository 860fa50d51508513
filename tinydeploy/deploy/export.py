"""`export`: a compiled model as a library for the application's own firmware.

Contract: `export_files(compiled, fmt, core, name, arena, section)` returns
{path: text or bytes}: model/ (the generated model, deploy/export_model.py), kernels/ (only
the kernel sources the model calls, with every header they include), README.md (the lines
that use it) and the build file of the format: "c" model.mk (a Makefile fragment), "cmake"
CMakeLists.txt (a static library target <name> over a shared tinydeploy_kernels target) and
<name>Config.cmake (find_package); "arduino", "platformio", "zephyr": their library layouts
(deploy/export_frameworks.py). The kernels are shared code: two exports in one image
compile each kernel file once (model.mk and CMakeLists.txt both skip a kernel another export
already added). Generation is the same as `build`'s; the core only sets the compile flags
(the fast paths are picked in C from __ARM_FEATURE_DSP). All options are checked before
anything is generated.
"""
from __future__ import annotations

import re

from .. import __version__
from ..compiler.codegen import COMMON_CFLAGS, generate
from ..compiler.compiled import Compiled
from ..compiler.params import KERNELS_VERSION
from ..errors import TinyDeployError
from ..resources import data_dir, template_env
from .export_frameworks import FRAMEWORKS
from .export_model import ARENA_MODES, check_name, check_section, library_model
from .toolchain import CORES, cpu_flags

FORMATS = ("c", "cmake", *FRAMEWORKS)

# A function definition at file scope that is not static: its name.
_DEFINITION = re.compile(r"^(?!static\b)[A-Za-z_][\w \t*]*?\b(td_\w+)\s*\([^;{]*\)\s*\{", re.M)
_INCLUDE = re.compile(r'^#include "([\w.]+)"', re.M)
_TD_NAME = re.compile(r"\btd_\w+")
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
# The generated C's own flags minus the warnings: an application's compiler may warn where
# ours does not, and the model must still build there.
LIBRARY_CFLAGS = [f for f in COMMON_CFLAGS if not f.startswith("-W")]


def check_options(fmt: str, core: str, name: str, arena: str, section: str | None) -> None:
    """One-line errors for an option export cannot take."""
    if fmt not in FORMATS:
        raise TinyDeployError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if core not in CORES:
        raise TinyDeployError(f"unknown core {core!r}; cores: {', '.join(CORES)}")
    check_name(name)
    if arena not in ARENA_MODES:
        raise TinyDeployError(f"unknown arena mode {arena!r}; modes: {', '.join(ARENA_MODES)}")
    if section is not None:
        check_section(section)
        if arena != "static":
            raise TinyDeployError("--arena-section places the static arena; with --arena "
                                  "extern the application places its own buffer")


def _headers(text: str, kernels: dict[str, str], seen: set[str]) -> None:
    for inc in _INCLUDE.findall(text):
        if inc in kernels and inc not in seen:
            seen.add(inc)
            _headers(kernels[inc], kernels, seen)


def kernel_closure(called: set[str]) -> list[str]:
    """Kernel file names the functions `called` need: the .c files defining them and the
    functions those call, transitively, plus every header they include."""
    kdir = data_dir("firmware") / "kernels"
    kernels = {p.name: p.read_text() for p in sorted(kdir.iterdir()) if p.suffix in (".c", ".h")}
    defined = {fn: f for f, text in kernels.items() if f.endswith(".c")
               for fn in _DEFINITION.findall(text)}
    files, headers = set(), {"td_kernels.h"}
    _headers(kernels["td_kernels.h"], kernels, headers)
    todo = sorted(called)
    while todo:
        f = defined.get(todo.pop())
        if f is None or f in files:
            continue
        files.add(f)
        own: set[str] = set()
        _headers(kernels[f], kernels, own)
        headers |= own
        # td_kernels.h declares every kernel: only what the others call counts
        for text in [kernels[f], *(kernels[h] for h in sorted(own - {"td_kernels.h"}))]:
            code = _COMMENT.sub(" ", text)     # comments name kernels they do not call
            todo.extend(n for n in set(_TD_NAME.findall(code)) if n in defined)
    missing = sorted(fn for fn in called if fn not in defined)
    if missing:
        raise AssertionError(f"no kernel source defines {', '.join(missing)}")
    return sorted(files | headers)


def export_files(compiled: Compiled, fmt: str, core: str, name: str = "td_model",
                 arena: str = "static", section: str | None = None) -> dict[str, str | bytes]:
    """Every file of the export (see module docstring)."""
    check_options(fmt, core, name, arena, section)
    program = compiled.program
    model = library_model(generate(program, compiled.plan, compiled.tflite_bytes), name,
                          core, arena, section)
    called = {layer.kernel for layer in program.layers if layer.kernel}
    kfiles = kernel_closure(called)
    kdir = data_dir("firmware") / "kernels"
    kernels = {f"kernels/{f}": (kdir / f).read_text() for f in kfiles}
    g = program.graph
    data = dict(name=name, upper=name.upper(), core=core, arena=arena, section=section,
                version=__version__, kernels_version=KERNELS_VERSION,
                model_srcs=sorted(p for p in model if p.endswith(".c")),
                kernel_stems=[f[:-2] for f in kfiles if f.endswith(".c")],
                cflags=" ".join(LIBRARY_CFLAGS), cpu_flags=" ".join(cpu_flags(core, True)),
                inputs=len(g.inputs), outputs=len(g.outputs), fmt=fmt,
                arena_bytes=max(compiled.plan.arena_bytes, 1))
    env = template_env()
    readme = env.get_template("export/README.md.j2").render(**data)
    if fmt in FRAMEWORKS:
        return FRAMEWORKS[fmt](data, model, kernels, readme)
    files: dict[str, str | bytes] = {**model, **kernels, "README.md": readme}
    build_files = {"c": ["model.mk"], "cmake": ["CMakeLists.txt", "Config.cmake"]}[fmt]
    for f in build_files:
        out = f"{name}Config.cmake" if f == "Config.cmake" else f
        files[out] = env.get_template(f"export/{f}.j2").render(**data)
    return files
