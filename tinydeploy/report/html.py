"""Render the report: plain data (collect.py) + inline SVGs (plots.py) -> one HTML file.

Contract: `render(data) -> str` is a self-contained page (no external URL: styles inline,
plots inline SVG, the data itself embedded as JSON in a <script type="application/json">);
`write_report(data, path)` writes it and the same data as JSON beside it (PATH with .json)
and returns both paths.
"""
from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ..errors import TinyDeployError
from ..resources import data_dir
from ..writer import write_bytes_atomic
from . import plots


def _plots(data: dict) -> dict:
    mem, acc = data.get("memory") or {}, data.get("accuracy") or {}
    out = dict(memory_plan=plots.memory_plan(mem.get("plan")),
               memory_split=plots.memory_split(mem.get("size")),
               layer_time=plots.layer_time(data.get("timing")),
               host_confusion=plots.confusion(acc.get("host_confusion"), "host (int8 C)"),
               device_confusion=plots.confusion(acc.get("device_confusion"), "device"),
               optimize=plots.optimize_stages(data.get("optimize")),
               search=plots.search_front(data.get("search")))
    return {k: Markup(v) if v else None for k, v in out.items()}


def _num(v, digits: int = 0) -> str:
    if v is None:
        return "-"
    return f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}"


def _pct(v) -> str:
    return "-" if v is None else f"{v * 100:.1f}%"


def _shape(s) -> str:
    return "x".join(map(str, s)) or "scalar"


# Inside <script> the HTML parser still looks for "</script", "<!--" and "<script": with
# every <, > and & written as a JSON escape no name can end or bend the data block.
# (json.dumps escapes U+2028/2029 and all other non-ASCII itself.)
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def script_json(data) -> str:
    """`data` as JSON that is inert inside an HTML <script> element and parses the same."""
    return json.dumps(data, indent=1).translate(_SCRIPT_SAFE)


def render(data: dict, json_name: str = "report.json") -> str:
    # HTML autoescaping (model and tensor names reach the page escaped); the C templates'
    # environment (resources.template_env) does not escape.
    env = Environment(loader=FileSystemLoader(str(data_dir("templates") / "report")),
                      undefined=StrictUndefined, autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    tpl = env.get_template("report.html.j2")
    embedded = script_json(data)
    return tpl.render(d=data, svg=_plots(data), data_json=Markup(embedded), json_name=json_name,
                      num=_num, pct=_pct, shape=_shape)


def write_report(data: dict, path) -> dict:
    """Write PATH (HTML) and PATH.json; returns {"html": path, "json": path}."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        raise TinyDeployError(f"{p}: the report is HTML (the JSON is written beside it)")
    j = p.with_suffix(".json")
    write_bytes_atomic(p, render(data, j.name).encode())
    write_bytes_atomic(j, (json.dumps(data, indent=2) + "\n").encode())
    return {"html": str(p), "json": str(j)}
