"""`tinydeploy search --ray ADDRESS` on a real two-node Ray cluster on loopback (a head and a
second node, started by `ray start` with their temp dir under pytest's): trials run on both
nodes, a trial lost with its node (its raylet killed with SIGKILL mid-trial) runs again, and a
search whose driver is killed resumes from OUTDIR without redoing finished trials. The waits
are on files and progress lines, never on the host's speed. Every process of the cluster is
killed afterwards by pid, found by the session its `ray start` ran in (`ray stop --force`
would also stop any other Ray instance on the machine)."""
import contextlib
import csv
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tinydeploy.search import local, pareto, run

import search_builders

pytestmark = pytest.mark.tf

RAY = str(Path(sys.executable).with_name("ray"))
BUILDERS = Path(search_builders.__file__)
BOARD = "mps2-an386"
MAX_RAM = 10_000
ARGS = ["--board", BOARD, "--epochs", "2", "--max-ram", str(MAX_RAM), "--no-compress",
        "--seed", "1", "--measure", "0", "--calibrate", "0"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A head ("head") and a second node ("2"), one CPU each. Each `ray start` and each driver
    runs in a session of its own, which every process it spawns (the nodes' daemons, their
    workers) keeps: the cluster's processes are those of these sessions."""

    def __init__(self, tmp: Path, ray_temp: Path):
        self.shared = tmp / "shared"
        self.shared.mkdir()
        self.sessions: dict[str, int] = {}
        self.address = f"127.0.0.1:{_port()}"
        self.temp = ray_temp
        self.env = {**os.environ, "RAY_TMPDIR": str(self.temp), "PYTHONUNBUFFERED": "1",
                    # Ray's head turns token auth on by itself; the other node and the
                    # drivers need the same token, given here, not ~/.ray's
                    "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16),
                    # a lost node is noticed in seconds, not Ray's default half minute
                    "RAY_health_check_period_ms": "1000", "RAY_health_check_timeout_ms": "1000",
                    "RAY_health_check_failure_threshold": "3"}

    def start(self) -> None:
        common = ["--num-cpus=1", "--node-ip-address=127.0.0.1", "--disable-usage-stats",
                  f"--temp-dir={self.temp}"]
        self._start("head", "--head", f"--port={self.address.split(':')[1]}",
                    "--include-dashboard=false", f"--ray-client-server-port={_port()}",
                    f"--dashboard-agent-listen-port={_port()}", *common)
        self._start("2", f"--address={self.address}", f"--dashboard-agent-listen-port={_port()}",
                    *common)

    def _start(self, node: str, *args: str) -> None:
        """`ray start` for one node; its trials see TD_TEST_NODE and TD_TEST_DIR."""
        env = {**self.env, "TD_TEST_NODE": node, "TD_TEST_DIR": str(self.shared)}
        p = subprocess.Popen([RAY, "start", *args], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.sessions[node] = p.pid
        out, _ = p.communicate(timeout=180)
        assert p.returncode == 0, f"ray start ({node}):\n{out}"

    def pids(self, node: str | None = None, exe: str | None = None) -> list[int]:
        """The live processes of the cluster (of one node's session, of one executable)."""
        want = set(self.sessions.values()) if node is None else {self.sessions[node]}
        out = []
        for p in Path("/proc").iterdir():
            if not p.name.isdigit():
                continue
            try:
                stat = (p / "stat").read_text()
                argv0 = (p / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            except OSError:
                continue
            state, _, _, session = stat.rsplit(")", 1)[1].split()[:4]
            if int(session) in want and state != "Z" and (exe is None or Path(argv0).name == exe):
                out.append(int(p.name))
        return out

    def stop(self) -> None:
        """SIGKILL every process of the cluster and its drivers; fails if any is left."""
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
        raise AssertionError(f"cluster processes left: {self.pids()}")

    def search(self, out: Path, builder: str, trials: int, *extra: str) -> subprocess.Popen:
        """`tinydeploy search --ray ADDRESS` as a driver process (stdout: its JSON report)."""
        cmd = [sys.executable, "-m", "tinydeploy.cli", "search", *ARGS, "--ray", self.address,
               "--builder", f"{BUILDERS}:{builder}", "--data", str(self.shared.parent / "stripes.npz"),
               "--trials", str(trials), "-o", str(out), *extra]
        p = subprocess.Popen(cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)
        self.sessions[f"driver {p.pid}"] = p.pid
        return p


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rc")
    # Ray's socket paths must stay under 108 characters: pytest's own temp paths (longer
    # under xdist: .../popen-gw0/...) leave too little room, so Ray's dir is a short one
    ray_temp = Path(tempfile.mkdtemp(prefix="tdray", dir="/tmp"))
    search_builders.save_stripes(tmp / "stripes.npz")
    c = Cluster(tmp, ray_temp)
    try:
        c.start()
        yield c
    finally:
        c.stop()
        shutil.rmtree(ray_temp, ignore_errors=True)


def _finish(p: subprocess.Popen, timeout=600) -> dict:
    out, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, err[-3000:]
    return json.loads(out)


def _rows(out: Path) -> list[dict]:
    with open(out / "results.csv") as f:
        return list(csv.DictReader(f))


def _from_all_rows(r: dict) -> None:
    """The report's table is the CSV's, and its best and front are those of all its rows."""
    rows = r["rows"]
    assert [int(x["trial"]) for x in _rows(Path(r["results"]).parent)] == [x["trial"] for x in rows]
    assert r["best"] == pareto.best(rows, "accuracy") and r["best"] is not None
    front = json.loads((Path(r["results"]).parent / "pareto.json").read_text())
    assert [x["trial"] for x in front] == [x["trial"] for x in pareto.front(rows)] != []


def test_ray_search_runs_trials_on_both_nodes(cluster, tmp_path):
    r = _finish(cluster.search(tmp_path / "out", "on_both_nodes", 3, "--json"))
    assert r["engine"] == "ray" and r["trials"] == 3
    assert len({x["ray_node"] for x in r["rows"]}) == 2, [x.get("ray_node") for x in r["rows"]]
    assert all(x["status"] in ("complete", "pruned", "stopped", "duplicate") for x in r["rows"])
    _from_all_rows(r)


def test_ray_search_resumes_after_its_driver_is_killed(cluster, tmp_path):
    out = tmp_path / "out"
    p = cluster.search(out, "tiny_cnn", 3)
    seen = []
    try:
        for line in p.stderr:            # "... trial 0 (ray trial 1a2b3c4d): complete, ..."
            seen.append(line)
            if re.match(r"\.\.\. trial \d+ \(ray trial \w+\): ", line):
                os.killpg(p.pid, signal.SIGKILL)      # the driver and its process group
                break
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        p.wait(60)
    assert p.returncode == -signal.SIGKILL, "".join(seen[-20:])
    assert not (out / "results.csv").exists()
    cfg = run.make_config(data=str(cluster.shared.parent / "stripes.npz"), board=BOARD,
                          outdir=str(out), builder=f"{BUILDERS}:tiny_cnn", trials=3, epochs=2,
                          max_ram=MAX_RAM, seed=1, compress=False)
    before = local.finished_rows(cfg)
    assert 1 <= len(before) < 3

    again = cluster.search(out, "tiny_cnn", 3, "--json")
    r = _finish(again)
    rows = r["rows"]
    assert r["trials"] == 3 and len(rows) == 3
    assert rows[:len(before)] == before                  # kept as they were, not redone
    assert not {x["ray_trial"] for x in rows[len(before):]} & {x["ray_trial"] for x in before}
    _from_all_rows(r)
    # a run with nothing left to do keeps every result
    r2 = _finish(cluster.search(out, "tiny_cnn", 3, "--json"))
    assert r2["rows"] == rows and r2["best"] == r["best"] and r2["pareto"] == r["pareto"]


def test_ray_search_retries_a_trial_lost_with_its_node(cluster, tmp_path):
    """The last test on the cluster: it kills node 2."""
    p = cluster.search(tmp_path / "out", "dies_on_node_2", 3, "--json")
    victim = cluster.shared / "victim"
    try:
        end = time.monotonic() + 300           # a guard, not a pace
        while not victim.exists() and p.poll() is None and time.monotonic() < end:
            time.sleep(0.1)
        assert victim.exists(), "no trial reached node 2"
        raylet = cluster.pids("2", "raylet")
        assert len(raylet) == 1
        os.kill(raylet[0], signal.SIGKILL)
        r = _finish(p)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    rows = r["rows"]
    assert len(rows) == 3
    lost = [x for x in rows if x["ray_retries"]]
    assert len(lost) == 1, [(x["status"], x["ray_retries"]) for x in rows]
    x, was = lost[0], json.loads(victim.read_text())
    assert {"width": x["knob_width"], "dense": x["knob_dense"]} == was["knobs"]
    if x["status"] == "failed":             # every retry lost too: its knobs and the error's type
        assert re.match(r"\w+(Error|Exception): ", x["reason"]), x["reason"]
    else:                                   # run again, on the head
        assert x["status"] in ("complete", "pruned", "duplicate") and x["ray_retries"] <= 2
        assert x["ray_node"] != was["node"]
    _from_all_rows(r)


def test_a_failed_ray_row_keeps_its_knobs_and_the_error_type():
    """The row of a trial that failed every retry (the cluster test above may see the retry
    succeed): knobs from its config, the reason "Type: message" with the type whole."""
    from ray.exceptions import ActorUnavailableError, RayTaskError

    from tinydeploy.search import ray_engine
    lost = ActorUnavailableError("x" * 500, None)
    reason = ray_engine._reason(lost)
    assert reason.startswith("ActorUnavailableError: The actor") and len(reason) <= 223
    wrapped = RayTaskError("trainable", "Traceback ...\nValueError: bad", ValueError("bad"))
    assert ray_engine._reason(wrapped) == "ValueError: bad"
    assert ray_engine._reason("Traceback ...\n  ...\nray.exceptions.ActorDiedError: died") == \
        "ray.exceptions.ActorDiedError: died"
    row = ray_engine._failed(7, {"width": 2, "dense": 8}, reason)
    assert row["status"] == "failed" and row["reason"] == reason
    assert {k: v for k, v in row.items() if k.startswith("knob_")} == {
        "knob_width": 2, "knob_dense": 8, "knob_prune": 0.0, "knob_cluster": 0, "knob_qat": False}


def test_results_are_never_replaced_by_poorer_ones(tmp_path):
    """An OUTDIR whose journal lacks its completed trials (deleted, or written by a version
    without one): a search that completes fewer writes nothing and says why in one line."""
    from tinydeploy.errors import TinyDeployError
    from tinydeploy.search.trial import SearchConfig
    table = "trial,status,accuracy_int8\n0,complete,0.9\n1,pruned,\n"
    (tmp_path / "results.csv").write_text(table)
    (tmp_path / "pareto.json").write_text('[{"trial": 0}]\n')
    cfg = SearchConfig(data="", eval_x="", eval_y="", board=BOARD, outdir=str(tmp_path),
                       input_shape=(12, 12, 1), classes=2)
    dup = {"trial": 0, "status": "duplicate", "reason": "same knobs as trial 0"}
    with pytest.raises(TinyDeployError, match=r"has 1 completed trial\(s\), this search 0"):
        run.write_results(cfg, [dup], tmp_path / "ray", "ray", 1.0, tmp_path)
    assert (tmp_path / "results.csv").read_text() == table
    assert (tmp_path / "pareto.json").read_text() == '[{"trial": 0}]\n'
    assert not (tmp_path / "search.json").exists()
