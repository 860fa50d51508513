"""`tinydeploy report`: one self-contained HTML page (and the same data as JSON) from the
artefacts of inspect/predict/convert/build/run/profile/optimize.

collect.py gathers plain data, plots.py draws it as inline SVG (matplotlib), html.py renders
templates/report/report.html.j2. `make_report(items, path, board)` does all three.
"""
from __future__ import annotations


def make_report(items, path, board=None) -> dict:
    """collect(items, board) written to PATH (HTML) and PATH.json; returns their paths."""
    from .collect import collect
    from .html import write_report
    return write_report(collect(items, board), path)
