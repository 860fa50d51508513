"""measure/cycles.py pairs the cycle model's log with the harness's counter reads, and
deploy/cycle_model.py builds the plugin and reads its log: tested on hand-written logs."""
from pathlib import Path

import pytest

from tinydeploy.deploy import cycle_model
from tinydeploy.measure.cycles import CycleLog, report

pytestmark = pytest.mark.unit


def _write(path: Path, marks) -> None:
    with open(path, "a") as f:
        for insns, cycles in marks:
            f.write(f"{insns} {cycles}\n")


def _infer(start, n, warmup, layers, run_insns=(100, 200), run_cycles=(150, 260)):
    """Entries one `infer n warmup` adds: per run a start read and a read after each layer
    (layer k costs run_insns[k] / run_cycles[k]), framed by the window's two reads."""
    marks, (i, c) = [], start

    def run():
        nonlocal i, c
        marks.append((i, c))
        for k in range(layers):
            i, c = i + run_insns[k], c + run_cycles[k]
            marks.append((i, c))
        i, c = i + 10, c + 12                      # between the last layer and the next read
    for _ in range(warmup):
        run()
    marks.append((i, c))
    for _ in range(n):
        run()
    marks.append((i, c))
    return marks, (i, c)


def test_an_infer_pairs_window_and_layers(tmp_path):
    log = tmp_path / "c.log"
    _write(log, [(5, 7), (9, 12)])                  # before profiling: skipped
    cl = CycleLog(log)
    marks, _ = _infer((100, 130), n=3, warmup=2, layers=2)
    _write(log, marks)
    cl.infer(3, 2, 2)
    (w,) = cl.windows
    assert (w.runs, w.instructions, w.cycles) == (3, 3 * 310, 3 * 422)
    assert (w.layer_instructions, w.layer_cycles) == ([100, 200], [150, 260])
    rows = [{"index": 0, "time": 120}, {"index": 1, "time": 160}]   # device: ticks of 40
    rep = report(cl, 310.0, 25_000_000, "cortex-m4", rows)
    assert rep["value"] == 422 and rep["per_instruction"] == pytest.approx(422 / 310)
    assert rep["time_us"] == pytest.approx(422 / 25) and rep["note"] is None
    assert "cortex-m4" in rep["model"] and [r["cycles"] for r in rows] == [150, 260]


def test_chunks_add_up_over_all_timed_runs(tmp_path):
    log = tmp_path / "c.log"
    log.write_text("")
    cl = CycleLog(log)
    m1, end = _infer((0, 0), n=2, warmup=1, layers=0)
    _write(log, m1)
    cl.infer(2, 1, 0)
    m2, _ = _infer(end, n=1, warmup=0, layers=0)
    _write(log, m2)
    cl.infer(1, 0, 0)
    rep = report(cl, 10.0, None, "cortex-m3", [])
    assert rep["value"] == 12 and rep["time_us"] is None


def test_a_count_that_does_not_fit_the_harness_is_a_note(tmp_path):
    log = tmp_path / "c.log"
    log.write_text("")
    cl = CycleLog(log)
    marks, _ = _infer((0, 0), n=2, warmup=0, layers=2)
    _write(log, marks[:-1])                         # one read missing
    cl.infer(2, 0, 2)
    rows = [{"index": 0, "time": 100}, {"index": 1, "time": 200}]
    rep = report(cl, 310.0, 25_000_000, "cortex-m4", rows)
    assert rep["value"] is None and "7 counter reads for 'infer 2 0', not 8" in rep["note"]
    assert all("cycles" not in r for r in rows)


def test_instructions_the_device_disagrees_with_are_a_note(tmp_path):
    log = tmp_path / "c.log"
    log.write_text("")
    cl = CycleLog(log)
    marks, _ = _infer((0, 0), n=1, warmup=0, layers=2)
    _write(log, marks)
    cl.infer(1, 0, 2)
    rows = [{"index": 0, "time": 100}, {"index": 1, "time": 900}]
    rep = report(cl, 310.0, 25_000_000, "cortex-m4", rows)
    assert rep["value"] is None and "layer 1" in rep["note"] and "do not pair" in rep["note"]
    rep = report(cl, 3100.0, 25_000_000, "cortex-m4", [])
    assert rep["value"] is None and "the timed runs" in rep["note"]


def test_read_marks_leaves_out_a_line_being_written(tmp_path):
    log = tmp_path / "c.log"
    log.write_text("1 2\n3 4\n5")
    assert cycle_model.read_marks(log) == [(1, 2), (3, 4)]


def test_plugin_arg_doubles_commas_for_qemu(tmp_path):
    arg = cycle_model.plugin_arg(Path("/a,b/p.so"), "cortex-m4", Path("/l,og"), 0x1234)
    assert arg == "/a,,b/p.so,core=cortex-m4,log=/l,,og,mark=0x1234"


def test_plugin_is_built_once_per_source_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = cycle_model.plugin_for("cortex-m4")
    assert first.parent == tmp_path / "tinydeploy" and first.name.startswith("td_cycles-")
    stamp = first.stat().st_mtime_ns
    assert cycle_model.plugin_for("cortex-m0") == first and first.stat().st_mtime_ns == stamp
    assert list(first.parent.glob(".*.part")) == []
    assert cycle_model.plugin_for("cortex-m7") is None


def test_an_edited_plugin_source_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    src = tmp_path / "qemu"
    src.mkdir()
    copies = []
    for p in cycle_model._sources():
        (src / p.name).write_text(p.read_text())
        copies.append(src / p.name)
    monkeypatch.setattr(cycle_model, "_sources", lambda: copies)
    first = cycle_model.plugin_for("cortex-m4")
    (src / "td_cycles.c").write_text((src / "td_cycles.c").read_text() + "\n/* edited */\n")
    second = cycle_model.plugin_for("cortex-m4")
    assert second != first and second.is_file() and first.is_file()
