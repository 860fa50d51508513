"""The report's pieces without a browser: artefacts recognised by content, unknown ones
refused in one line, sections None when nothing feeds them, and the SVGs self-contained
(no URL, no prolog, ids unique across the plots of one page)."""
import json
import re

import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.inspection import inspect_model
from tinydeploy.report.collect import ReportError, classify, collect
from tinydeploy.report.html import render
from tinydeploy.report.sections import accuracy_section

pytestmark = pytest.mark.unit


def test_kinds_by_content_and_refusals(tmp_path, fc_model):
    (tmp_path / "i.json").write_text(json.dumps(inspect_model(compile_model(fc_model))))
    (tmp_path / "p.json").write_text(json.dumps({"count": 3, "accuracy": 0.5, "inputs": "x"}))
    (tmp_path / "odd.json").write_text(json.dumps({"hello": 1}))
    assert classify(tmp_path / "i.json")[0] == "inspect"
    assert classify(tmp_path / "p.json")[0] == "predict"
    assert classify(fc_model)[0] == "tflite"
    for bad in ("odd.json", "missing.json", "x.npz"):
        (tmp_path / "x.npz").write_bytes(b"")
        with pytest.raises(ReportError) as e:
            classify(tmp_path / bad)
        assert "\n" not in str(e.value)
    with pytest.raises(ReportError, match="not a tinydeploy build directory"):
        classify(tmp_path)


def test_sections_and_self_contained_svg(fc_model):
    d = collect([fc_model], board="microbit")
    assert d["timing"] is d["accuracy"] is d["optimize"] is d["energy"] is None
    plan = d["memory"]["plan"]
    assert plan["peak"]["high_water"] == plan["arena_bytes"] == compile_model(fc_model).plan.arena_bytes
    assert d["memory"]["fit"]["ok"] and d["memory"]["size_source"].startswith("estimated")
    # a device-side confusion matrix adds its plot; two plots on one page share no id
    d["accuracy"] = accuracy_section({"count": 8, "accuracy": 7 / 8, "confusion": [[3, 1], [0, 4]]},
                                     {"validation": {"count": 8, "accuracy": 7 / 8, "bit_exact": 8,
                                                     "max_abs_diff": 0, "confusion": [[3, 1], [0, 4]]}},
                                     None, None)
    assert d["accuracy"]["device_per_class"][0] == {"cls": 0, "support": 4, "correct": 3, "accuracy": 0.75}
    page = render(d)
    assert not re.search(r"https?:|<\?xml|DOCTYPE svg|<metadata", page)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    refs = re.findall(r'href="#([^"]+)"', page)
    assert refs and set(refs) <= set(ids)
    assert page.count('<svg class="plot" data-plot="confusion"') == 2


def test_a_compiled_model_is_used_as_it_is(fc_model):
    """build/run hand the report the Compiled they hold: the report is the one the standalone
    command makes from the file, and it never reads (or compiles) the file again."""
    from_path = collect([fc_model], board="microbit")
    compiled = compile_model(fc_model)
    fc_model.unlink()          # a second compile would fail now
    held = collect([("tflite", compiled)], board="microbit")
    assert held["sources"] == [dict(path=None, kind="tflite")]
    assert {k: v for k, v in held.items() if k != "sources"} == \
        {k: v for k, v in from_path.items() if k != "sources"}


def test_optimize_section_shows_params_macs_and_the_factorization_table(tmp_path):
    opt = {"summary": "s", "stages": [
        {"label": "float", "accuracy": 0.9, "loss": 0.1, "params": 1000, "macs": 2000, "sparsity": 0.0},
        {"label": "factorize energy 0.9", "accuracy": 0.89, "loss": 0.2, "params": 777, "macs": 1555,
         "sparsity": 0.0, "layers": []}],
        "factorized": [
            {"layer": "d1", "type": "Dense", "shape": [64, 32], "rank": 8, "energy": 0.93,
             "params_before": 2080, "params_after": 800, "status": "factorized"},
            {"layer": "c", "type": "Conv2D", "shape": [3, 3, 1, 8], "rank": None, "energy": None,
             "params_before": 80, "params_after": 80, "status": "kept: 3x3 kernel"}]}
    p = tmp_path / "o.report.json"
    p.write_text(json.dumps(opt))
    data = collect([str(p)])
    assert [r["layer"] for r in data["optimize"]["factorized"]] == ["d1", "c"]
    html = render(data)
    section = html[html.index('<section id="optimize">'):html.index('<section id="energy">')]
    assert "Low-rank factorization per layer" in section and "kept: 3x3 kernel" in section
    assert "<td>64x32</td>" in section and ">777<" in section and ">1,555<" in section
