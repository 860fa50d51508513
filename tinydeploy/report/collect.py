"""Gather plain data for the HTML report from whatever artefacts the user has.

Contract: `collect(items, board=None)` takes paths (a .tflite, a build directory, JSON files
written by `inspect/predict/convert/build/run/profile/optimize --json` or optimize's
NAME.report.json) or ready (kind, data) pairs from the CLI (("tflite", a Compiled) for the
model build/run compiled: it is not compiled again), and returns one JSON-able dict
(schema REPORT_SCHEMA): sections model, memory, timing, accuracy, optimize, energy, each
None when no artefact feeds it, plus `sources` (what was read, as what) and `notes`.
Nothing here draws or formats: plots.py and html.py do that from this dict.

Extending: an artefact kind is one entry of KINDS (a test on the JSON, in order) and one
`_take_KIND(acc, data)` function that files its data into the accumulator; a new section adds
its key in `_sections` and its block in the template. Unknown JSON is refused with the kinds
that are known.
"""
from __future__ import annotations

import json
from pathlib import Path

from .. import __version__
from ..errors import TinyDeployError
from .sections import accuracy_section, memory_section, timing_section

REPORT_SCHEMA = "tinydeploy-report/1"


class ReportError(TinyDeployError):
    """An artefact the report cannot read."""


# kind -> test on a JSON document; first match wins (run wraps build + profile).
KINDS = [
    ("search", lambda d: "pareto" in d and "counts" in d and "engine" in d),
    ("run", lambda d: "build" in d and "profile" in d),
    ("profile", lambda d: d.get("schema") == "tinydeploy-profile/1"),
    ("optimize", lambda d: "stages" in d and "summary" in d),
    ("build", lambda d: "project" in d and "estimate" in d),
    ("inspect", lambda d: "layers" in d and "arena_bytes" in d and "macs" in d),
    ("convert", lambda d: "float_accuracy" in d),
    ("predict", lambda d: "count" in d and "accuracy" in d and "inputs" in d),
]


def classify(path: Path) -> tuple[str, object]:
    """(kind, data) for one artefact path."""
    if path.is_dir():
        from ..deploy.runners import detect_build_dir
        bd = detect_build_dir(path)
        if bd is None:
            raise ReportError(f"{path} is not a tinydeploy build directory (no Makefile or "
                              "platformio.ini written by `tinydeploy build`)")
        return "build_dir", bd
    if not path.is_file():
        raise ReportError(f"{path} does not exist")
    if path.suffix == ".tflite":
        return "tflite", path
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ReportError(f"{path} is not readable JSON: {exc}") from None
        for kind, test in KINDS:
            if isinstance(data, dict) and test(data):
                return kind, data
        raise ReportError(f"{path}: not a tinydeploy report (known: "
                          f"{', '.join(k for k, _ in KINDS)} JSON, a .tflite, a build folder)")
    raise ReportError(f"{path}: give a .tflite, a build folder or a tinydeploy JSON report")


class _Acc:
    """What the artefacts said, before it becomes sections."""

    def __init__(self):
        self.model = None          # Compiled
        self.model_hint = None     # a .tflite path named by a report
        self.board = None          # Board
        self.board_hint = None     # a board name named by a report
        self.build = None          # build report (dict)
        self.profile = None
        self.predict = None
        self.convert = None
        self.optimize = None
        self.inspect = None
        self.search = None
        self.sources = []
        self.notes = []


def _take_tflite(acc, model):
    """A .tflite path is compiled here; a Compiled (what build/run already hold) is used as it
    is, never compiled again."""
    from ..compiler.compiled import as_compiled
    acc.model = as_compiled(model)


def _take_build_dir(acc, bd):
    acc.board_hint = acc.board_hint or bd.board
    elf = bd.root / "build" / "firmware.elf"
    if elf.is_file() and bd.board:
        from ..deploy.boards import load_board
        from ..deploy.sizes import size_report
        board = load_board(bd.board)
        acc.build = acc.build or dict(project=str(bd.root), board=bd.board, built="read from "
                                      "the ELF", size=size_report([elf], board))


def _take_build(acc, d):
    acc.build = d
    acc.board_hint = acc.board_hint or d.get("board")
    acc.model_hint = acc.model_hint or d.get("model")


def _take_run(acc, d):
    _take_build(acc, d["build"])
    acc.profile = d["profile"]


def _take_profile(acc, d):
    acc.profile = d
    info = (d.get("device") or {}).get("info") or {}
    acc.board_hint = acc.board_hint or info.get("board")


def _take_optimize(acc, d):
    acc.optimize = d
    acc.model_hint = acc.model_hint or d.get("tflite")


def _take_predict(acc, d):
    acc.predict = d


def _take_convert(acc, d):
    acc.convert = d


def _take_inspect(acc, d):
    acc.inspect = d
    acc.model_hint = acc.model_hint or d.get("model")


def _take_search(acc, d):
    acc.search = d
    acc.board_hint = acc.board_hint or (d.get("config") or {}).get("board")
    best = Path(d["results"]).parent / "best.tflite" if d.get("best") and d.get("results") else None
    acc.model_hint = acc.model_hint or (str(best) if best else None)


_TAKE = {name[len("_take_"):]: fn for name, fn in globals().items() if name.startswith("_take_")}


def collect(items, board=None) -> dict:
    """See the module docstring. `board`: a Board, a board name or .toml path, or None
    (then the board named by a build/run report or build folder, if any)."""
    from ..deploy.boards import BoardError, as_board, load_board
    acc = _Acc()
    for item in items:
        if isinstance(item, tuple):
            kind, data = item
            acc.sources.append(dict(path=None, kind=kind))
        else:
            kind, data = classify(Path(item))
            acc.sources.append(dict(path=str(item), kind=kind))
        _TAKE[kind](acc, data)
    if acc.model is None and acc.model_hint and Path(acc.model_hint).is_file() \
            and str(acc.model_hint).endswith(".tflite"):
        _take_tflite(acc, acc.model_hint)
        acc.sources.append(dict(path=str(acc.model_hint), kind="tflite (named by a report)"))
    if board is not None:
        acc.board = as_board(board)
    elif acc.board_hint:
        try:
            acc.board = load_board(acc.board_hint)
        except BoardError:
            acc.notes.append(f"board {acc.board_hint} named by a report is not known here")
    return _sections(acc)


def _board_data(b) -> dict | None:
    if b is None:
        return None
    return dict(name=b.name, core=b.core, fpu=b.fpu, clock_hz=b.clock_hz,
                flash_bytes=b.flash.size, ram_bytes=b.ram.size, emulated=b.emulated,
                description=b.description)


def _model_section(acc) -> dict | None:
    if acc.model is not None:
        from ..compiler.inspection import inspect_model
        return inspect_model(acc.model)
    return acc.inspect


def _sections(acc) -> dict:
    model = _model_section(acc)
    memory = memory_section(acc.model, acc.board, acc.build, acc.notes)
    timing = timing_section(acc.profile)
    accuracy = accuracy_section(acc.predict, acc.profile, acc.convert, acc.optimize)
    opt = None
    if acc.optimize:
        o = acc.optimize
        opt = dict(summary=o.get("summary"), stages=[
            {k: s.get(k) for k in ("label", "accuracy", "loss", "params", "macs", "sparsity",
                                   "size_bytes", "gzip_bytes", "arena_bytes", "flash_bytes")}
            for s in o["stages"]], layers=o["stages"][-1].get("layers", []),
            factorized=o.get("factorized", []), notes=o.get("notes", []))
    energy = None
    if acc.profile and acc.profile.get("energy"):
        energy = dict(acc.profile["energy"])
        lat = acc.profile.get("latency") or {}
        energy["latency"] = lat.get("value")
        energy["latency_unit"] = lat.get("unit")
    from .sections import search_section
    name = (model or {}).get("name") or (acc.build or {}).get("benchmark_id") or "model"
    return dict(schema=REPORT_SCHEMA, tinydeploy=__version__, title=f"tinydeploy report: {name}",
                sources=acc.sources, board=_board_data(acc.board), model=model, memory=memory,
                timing=timing, accuracy=accuracy, optimize=opt, energy=energy,
                search=search_section(acc.search), notes=acc.notes)
