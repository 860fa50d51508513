"""The report for the digits example (the demo's pipeline, shortened): train the bundled
example, optimize (prune 50% + PQAT), predict on the host with labels, build + run + profile
on the emulated Cortex-M4 over labelled inputs; then `tinydeploy report` over those
artefacts. The page parses, names nothing outside itself, holds every section with the
figures of the artefacts (checked against them and against the outputs recomputed here), and
renders in headless Chromium (plots with a size, no console error; screenshot printed)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from report_checks import check_html, open_in_chromium

pytestmark = [pytest.mark.qemu, pytest.mark.tf]
ROOT = Path(__file__).resolve().parents[2]


def td(*args):
    return subprocess.run([sys.executable, "-m", "tinydeploy.cli", *map(str, args)],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """The demo's artefacts: optimize report, int8 .tflite, predict.json, run.json."""
    out = tmp_path_factory.mktemp("digits")
    r = subprocess.run([sys.executable, str(ROOT / "examples/digits/train.py"), str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    r = td("optimize", out / "digits.keras", "--data", out / "digits.npz", "--prune", "0.5",
           "--qat", "--epochs", "1", "-o", out / "digits_opt.h5", "--json",
           "--report", out / "optimize-report.html")
    assert r.returncode == 0, r.stderr[-2000:]
    tfl = out / "digits_opt.tflite"
    r = td("predict", tfl, "--inputs", out / "x_test.npy", "--labels", out / "y_test.npy",
           "-o", out / "y_int8.npy", "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    (out / "predict.json").write_text(r.stdout)
    x, y = np.load(out / "x_test.npy")[:40], np.load(out / "y_test.npy")[:40]
    np.savez(out / "device.npz", x=x, y=y)
    r = td("run", tfl, "--board", "mps2-an386", "-o", out / "fw", "--inputs", out / "device.npz",
           "--runs", "2", "--json", "--report", out / "run-report.html")
    assert r.returncode == 0, r.stderr[-2000:]
    (out / "run.json").write_text(r.stdout)
    assert f"report: {out / 'run-report.html'}" in r.stderr         # stdout stays the JSON
    return out


def test_digits_report(digits):
    html = digits / "report.html"
    r = td("report", digits / "digits_opt.tflite", digits / "digits_opt.report.json",
           digits / "predict.json", digits / "run.json", "-o", html)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"report: {html} (data: {html.with_suffix('.json')})"
    data = json.loads(html.with_suffix(".json").read_text())
    run = json.loads((digits / "run.json").read_text())
    pred = json.loads((digits / "predict.json").read_text())
    opt = json.loads((digits / "digits_opt.report.json").read_text())
    prof = run["profile"]

    # model and memory: the plan covers the arena; the size split is the build's ELF figures
    assert data["model"]["macs"] == run["build"]["macs"] > 0
    plan = data["memory"]["plan"]
    assert plan["arena_bytes"] == run["build"]["arena_bytes"]
    assert max(b["offset"] + b["bytes"] for b in plan["buffers"]) == plan["arena_bytes"]
    assert plan["peak"]["high_water"] == plan["arena_bytes"]
    assert data["memory"]["size"] == run["build"]["size"] and data["memory"]["fit"]["ok"]
    # time per layer: the device's per-layer counts, instructions labelled as such
    t = data["timing"]
    assert t["unit"] == "instructions" and "not time" in t["unit_label"]
    assert [(l["op"], l["time"], l["macs"]) for l in t["layers"]] == [
        (l["op"], l["time"], l["macs"]) for l in prof["per_layer"]]
    slowest = max(prof["per_layer"], key=lambda l: l["time"])
    assert t["top"][0] == slowest["index"]
    # accuracy: host confusion recomputed from predict's outputs; device counts consistent
    y = np.load(digits / "y_test.npy")
    host_pred = np.load(digits / "y_int8.npy").reshape(len(y), -1).argmax(1)
    m = np.zeros((10, 10), int)
    np.add.at(m, (y, host_pred), 1)
    acc = data["accuracy"]
    assert acc["host_confusion"] == m.tolist() == pred["confusion"]
    dev = np.array(acc["device_confusion"])
    v = prof["validation"]
    assert dev.sum() == v["count"] == 40 and np.trace(dev) == v["correct"]
    assert v["bit_exact"] == 40                       # the device agrees with the host build
    m40 = np.zeros((10, 10), int)
    np.add.at(m40, (y[:40], host_pred[:40]), 1)
    assert dev.tolist() == m40.tolist()
    assert [r["where"] for r in acc["rows"]] == ["float (Keras)", "int8, host", "int8, device"]
    assert [s["label"] for s in data["optimize"]["stages"]] == [s["label"] for s in opt["stages"]]
    assert data["energy"]["kind"] == "estimate" and data["energy"]["value"] > 0

    page = check_html(html)
    assert {"memory-plan", "memory-split", "layer-time", "confusion", "optimize"} <= set(page.svgs)
    text = html.read_text()
    for needle in ("instructions (emulated board: counted, not time)", "Top layers:",
                   "Per class", "Confusion matrix", "estimate", opt["summary"].split(":")[0]):
        assert needle in text, needle
    shot = open_in_chromium(html, "report-digits.png")
    assert len(shot["plots"]) >= 6                   # host and device confusion matrices



def test_report_options_of_optimize_and_run(digits):
    """`optimize --report` and `run --report` write the same kind of page from their own
    results: the optimize stages, and the build sizes + device timing + device accuracy."""
    opt = json.loads((digits / "digits_opt.report.json").read_text())
    o = json.loads((digits / "optimize-report.json").read_text())
    assert [s["label"] for s in o["optimize"]["stages"]] == [s["label"] for s in opt["stages"]]
    assert o["model"]["name"] == "digits_opt" and o["timing"] is None
    run = json.loads((digits / "run.json").read_text())
    r = json.loads((digits / "run-report.html").with_suffix(".json").read_text())
    assert r["memory"]["size"] == run["build"]["size"] and r["board"]["name"] == "mps2-an386"
    assert [l["time"] for l in r["timing"]["layers"]] == [l["time"] for l in run["profile"]["per_layer"]]
    assert r["accuracy"]["rows"][-1]["accuracy"] == run["profile"]["validation"]["accuracy"]
    for page in ("optimize-report.html", "run-report.html"):
        check_html(digits / page)
