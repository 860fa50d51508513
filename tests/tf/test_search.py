"""`tinydeploy search` end to end on a tiny synthetic dataset with a user builder: the trials
that cannot fit --max-ram are pruned before any training (fit calls counted), the best model
fits, an interrupted search resumes from its journal without redoing trials, and the same
search on a real local Ray instance gives a results table of the same form."""
import csv
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tinydeploy.cli import main
from tinydeploy.compiler.compiled import compile_model
from tinydeploy.deploy.boards import load_board
from tinydeploy.deploy.fit import estimate

import search_builders

pytestmark = pytest.mark.tf

BUILDER = f"{Path(search_builders.__file__)}:tiny_cnn"
BOARD = "mps2-an386"
MAX_RAM = 10_000          # width 2 fits, width 48 does not (its arena alone is ~8.6 kB)
EPOCHS = 2
ARGS = ["--builder", BUILDER, "--board", BOARD, "--epochs", str(EPOCHS), "--max-ram", str(MAX_RAM),
        "--no-compress", "--workers", "1", "--seed", "3", "--measure", "0", "--calibrate", "0"]


@pytest.fixture
def fits(monkeypatch):
    """Count tf_keras Model.fit calls (trials run in this process with --workers 1)."""
    import tf_keras
    calls = []
    orig = tf_keras.Model.fit

    def counted(self, *a, **k):
        calls.append(self.name)
        return orig(self, *a, **k)
    monkeypatch.setattr(tf_keras.Model, "fit", counted)
    return calls


def _rows(out: Path) -> list[dict]:
    with open(out / "results.csv") as f:
        return list(csv.DictReader(f))


def _search(out, data, trials, *extra):
    r = CliRunner().invoke(main, ["search", *ARGS, "--data", str(data), "--trials", str(trials),
                                  "-o", str(out), "--json", *extra])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_search_prunes_unfit_trials_before_training_and_resumes(tmp_path, fits):
    data = search_builders.save_stripes(tmp_path / "stripes.npz")
    out = tmp_path / "search"
    first = _search(out, data, 2)                         # stopped after 2 trials
    assert first["trials"] == 2 and len(_rows(out)) == 2
    fits_first = len(fits)
    # a third trial dies mid-run: left RUNNING in the journal with its knobs asked
    from tinydeploy.search import local, run
    cfg = run.make_config(data=str(data), board=BOARD, outdir=str(out), builder=BUILDER, trials=5,
                          epochs=EPOCHS, max_ram=MAX_RAM, seed=3, compress=False, workers=1)
    study = local._study(cfg)
    t = study.ask()
    t.suggest_categorical("width", [2, 48])
    t.suggest_categorical("dense", [0, 8])
    killed = dict(t.params)

    html = tmp_path / "search.html"
    r = _search(out, data, 5, "--report", str(html))     # resume: 3 more, the killed one first
    rows = _rows(out)
    assert r["trials"] == 5 and [int(x["trial"]) for x in rows] == [0, 1, 3, 4, 5]
    by_trial = {int(x["trial"]): x for x in rows}
    for x in rows:
        assert x["status"] in ("complete", "pruned", "duplicate"), x
        if x["status"] == "duplicate" or "same knobs" in x["reason"]:   # reused, not retrained
            src = by_trial[int(re.search(r"same knobs as trial (\d+)", x["reason"])[1])]
            assert [v for k, v in x.items() if k.startswith("knob_")] == \
                [v for k, v in src.items() if k.startswith("knob_")]
            assert x["accuracy_int8"] == src["accuracy_int8"] and x["ram"] == src["ram"]
            continue
        ram = int(x["ram"])
        if x["status"] == "pruned":                       # never trained, and truly too big
            assert x["trained_epochs"] == "0" and ram > MAX_RAM and "does not fit" in x["reason"]
        else:
            assert x["trained_epochs"] == str(EPOCHS) and ram <= MAX_RAM
            assert 0.0 <= float(x["accuracy_int8"]) <= 1.0 and float(x["instructions"]) > 0
            assert float(x["energy_uj"]) > 0
    assert {x["knob_width"] for x in rows if x["status"] == "pruned"} <= {"48"}
    assert int(rows[2]["knob_width"]) == killed["width"]  # the killed trial's knobs ran again
    complete = [x for x in rows if x["status"] == "complete"]
    pruned = [x for x in rows if x["status"] == "pruned"]
    assert complete and pruned
    assert len(fits) == len(complete), "a trial that cannot fit was trained"
    assert len(fits) - fits_first == sum(x["status"] == "complete" for x in rows[2:]), \
        "the resumed search redid stored trials"
    best = compile_model(out / "best.tflite")
    assert estimate(best, load_board(BOARD), None)["ram"] <= MAX_RAM
    assert r["best"]["trial"] in {int(x["trial"]) for x in complete}
    assert r["best"]["accuracy_int8"] == max(float(x["accuracy_int8"]) for x in complete)
    for x in complete:      # int8 on the generated C tracks the float model (training luck aside)
        assert abs(float(x["accuracy_int8"]) - float(x["accuracy_float"])) <= 0.1, x
    assert json.loads((out / "pareto.json").read_text())
    assert (out / "best.h5").is_file() and (out / "study.journal").is_file()
    # the HTML report: one table row per trial, the Pareto plot, the best model's sections
    page = html.read_text()
    data = json.loads(html.with_suffix(".json").read_text())
    assert [t["trial"] for t in data["search"]["rows"]] == [int(x["trial"]) for x in rows]
    assert data["search"]["best"] == r["best"]["trial"]
    assert set(data["search"]["pareto"]) == {p["trial"] for p in r["pareto"]}
    assert 'data-plot="search"' in page and page.count("<tr") >= len(rows) + 1
    assert data["model"]["name"] and data["memory"]["plan"]        # best.tflite, read back


def test_search_killed_mid_trial_resumes_from_its_journal(tmp_path, fits):
    """A real `tinydeploy search` process is SIGKILLed while a trial trains; the same command
    again keeps the finished trials, reruns the killed trial's knobs and completes."""
    data = search_builders.save_stripes(tmp_path / "stripes.npz")
    out = tmp_path / "search"
    cmd = [sys.executable, "-m", "tinydeploy.cli", "search", *ARGS, "--data", str(data),
           "--trials", "4", "-o", str(out)]
    p = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                         start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    killed_at, seen = None, []
    try:
        for line in p.stderr:                   # progress lines: "... trial N epoch 1/2: ..."
            seen.append(line)
            m = re.search(r"trial (\d+) epoch 1/", line)
            if m and int(m[1]) >= 1:
                killed_at = int(m[1])
                os.killpg(p.pid, signal.SIGKILL)
                break
    finally:
        if p.poll() is None and killed_at is None:
            os.killpg(p.pid, signal.SIGKILL)
        p.wait(60)
    assert killed_at is not None, "no second trained trial to interrupt:\n" + "".join(seen[-20:])
    assert p.returncode == -signal.SIGKILL and not (out / "results.csv").exists()
    from tinydeploy.search import local, run
    cfg = run.make_config(data=str(data), board=BOARD, outdir=str(out), builder=BUILDER, trials=4,
                          epochs=EPOCHS, max_ram=MAX_RAM, seed=3, compress=False, workers=1)
    before = local._study(cfg).trials
    assert before[killed_at].state.name == "RUNNING"        # the kill left it mid-trial
    finished = [t.user_attrs["row"] for t in before[:killed_at]]
    killed_knobs = dict(before[killed_at].params)

    r = _search(out, data, 4)
    rows = _rows(out)
    assert r["trials"] == 4 and len(rows) == 4 and killed_at not in [int(x["trial"]) for x in rows]
    for old, new in zip(finished, rows):                     # kept as they were, not redone
        assert int(new["trial"]) == old["trial"] and new["status"] == old["status"]
        assert float(new["seconds"]) == old["seconds"]
    rerun = rows[killed_at]                                  # the killed trial's knobs, first
    assert {k: int(rerun[f"knob_{k}"]) for k in killed_knobs} == killed_knobs
    assert all(x["status"] in ("complete", "pruned", "duplicate") for x in rows)
    assert len(fits) == sum(x["status"] == "complete" for x in rows[killed_at:]), \
        "the resumed search trained a finished trial again"
    assert (out / "best.tflite").is_file()


@pytest.mark.qemu
def test_search_calibrates_the_cost_model_in_qemu_and_checks_it(tmp_path):
    """--calibrate 2: two untrained models of the space run in QEMU first and refit the
    shipped coefficients of the kernels they use; the trials' instructions come from that
    model; --measure
    runs the best trial and the front in QEMU and reports the cost model's error on them."""
    from tinydeploy.deploy import cost_model as cm
    data = search_builders.save_stripes(tmp_path / "stripes.npz")
    out = tmp_path / "search"
    html = tmp_path / "r.html"
    r = _search(out, data, 4, "--calibrate", "2", "--measure", "2", "--seed", "1", "--report", str(html))
    cal = r["cost_model_check"]["calibration"]
    assert cal["models"] == 2 and not cal["reused"] and cal["kernels"]
    shipped = cm.default_cost_model(load_board(BOARD).core)
    saved = cm.CostModel.load(out / "cost-model.json")
    for kernel, coef in shipped.coefficients.items():     # refitted: only what it measured
        assert (saved.coefficients[kernel] != coef) <= (kernel in cal["kernels"]), kernel
    assert any(saved.coefficients[k] != shipped.coefficients.get(k) for k in cal["kernels"])
    assert cal["calibrated_error"] <= cal["shipped_error"]
    done = [x for x in r["rows"] if x["status"] == "complete"]
    assert done, [(x["status"], x["reason"]) for x in r["rows"]]
    for x in done:                      # every trial was costed with the calibrated model
        want = cm.estimate(compile_model(x["tflite"]), saved)["instructions"]
        assert x["instructions"] == pytest.approx(want)
    measured = [x for x in r["rows"] if x.get("qemu_instructions")]
    assert 1 <= len(measured) == r["cost_model_check"]["measured"] <= 2
    assert r["best"]["trial"] in [x["trial"] for x in measured]
    for x in measured:
        assert x["cost_model_error"] == pytest.approx(
            (x["instructions"] - x["qemu_instructions"]) / x["qemu_instructions"], abs=1e-4)
        assert abs(x["cost_model_error"]) <= 0.15 and "in_calibration" in x
    page = html.read_text()
    assert "Cost model calibrated in QEMU" in page and "Cost model vs QEMU" in page
    again = _search(out, data, 4, "--calibrate", "2", "--measure", "0", "--seed", "1")
    assert again["cost_model_check"]["calibration"]["reused"]     # a rerun keeps its model


def test_search_on_local_ray_gives_the_same_table(tmp_path):
    import ray

    from tinydeploy.search import run
    data = search_builders.save_stripes(tmp_path / "stripes.npz")
    cfg = run.make_config(data=str(data), board=BOARD, outdir=str(tmp_path / "ray"), builder=BUILDER,
                          trials=4, epochs=2, max_ram=MAX_RAM, seed=1, compress=False, workers=2)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        r = run.run_search(cfg, "ray")
    finally:
        ray.shutdown()
    rows = _rows(tmp_path / "ray")
    assert r["engine"] == "ray" and len(rows) == 4
    assert list(rows[0]) == ["trial", "knob_cluster", "knob_dense", "knob_prune", "knob_qat",
                             "knob_width", *run.COLUMNS[1:]]
    for x in rows:
        assert x["status"] in ("complete", "pruned", "stopped", "duplicate"), x
        if x["status"] == "pruned":
            assert x["trained_epochs"] == "0" and int(x["ram"]) > MAX_RAM
        if x["status"] == "complete":
            assert int(x["ram"]) <= MAX_RAM
            assert abs(float(x["accuracy_int8"]) - float(x["accuracy_float"])) <= 0.1, x
    assert {"complete", "pruned"} <= {x["status"] for x in rows}
    assert (tmp_path / "ray" / "ray").is_dir() and (tmp_path / "ray" / "best.tflite").is_file()
