"""The report of a model that does not fit its board (`build --report`): written before the
one-line refusal, every section there, the failed fit shown against the board's limits;
opened in headless Chromium (plots rendered, no console error, screenshot)."""
import json
import re
import subprocess
import sys

import pytest

from tinydeploy.resources import data_dir

from report_checks import check_html, open_in_chromium

pytestmark = pytest.mark.host_c


@pytest.fixture
def tiny_board(tmp_path):
    """The micro:bit with 4 KiB of RAM: the fc model's arena fits, arena + stack + buffers not."""
    text = (data_dir("boards") / "microbit.toml").read_text()
    text = re.sub(r"\b0x4000\b", "0x1000", text.replace('name = "microbit"', 'name = "tiny-m0"'))
    p = tmp_path / "tiny-m0.toml"
    p.write_text(text)
    return p


def test_failed_fit_report(tmp_path, fc_model, tiny_board):
    out = tmp_path / "fail.html"
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "build", str(fc_model), "--board",
                        str(tiny_board), "-o", str(tmp_path / "fw"), "--report", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 1
    err = [ln for ln in r.stderr.splitlines() if ln.startswith("error: ")]
    assert len(err) == 1 and "does not fit tiny-m0" in err[0] and "Traceback" not in r.stderr
    assert not (tmp_path / "fw").exists()                       # refused before writing
    data = json.loads(out.with_suffix(".json").read_text())
    fit = data["memory"]["fit"]
    assert fit["ok"] is False and "tiny-m0" in fit["message"]
    assert fit["ram"]["total"] > fit["ram"]["capacity"] == 0x1000
    assert data["memory"]["size"]["ram"]["capacity"] == 0x1000
    assert data["model"]["macs"] == 16 * 5 and data["memory"]["plan"]["arena_bytes"] > 0
    assert data["timing"] is None and data["accuracy"] is None

    page = check_html(out)
    assert "fit-failed" in page.ids and page.svgs.count("memory-split") == 1
    text = out.read_text()
    assert "Does not fit: model does not fit tiny-m0" in text
    assert "DOES NOT FIT" in text.split('data-plot="memory-split"', 1)[1].split("</svg>", 1)[0]
    embedded = text.split('id="report-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(embedded) == data
    shot = open_in_chromium(out, "report-failed-fit.png")
    assert {p[0] for p in shot["plots"]} == {"memory-split", "memory-plan"}
