"""The search's engine-neutral pieces without TensorFlow: the space asks the builder's and the
compression knobs through one suggest(), limits prune by RAM / flash / latency, and the
Pareto front keeps exactly the non-dominated completed trials."""
import pytest

from tinydeploy.errors import TinyDeployError
from tinydeploy.search import pareto, space
from tinydeploy.search.trial import SearchConfig, limit_problems

pytestmark = pytest.mark.unit


def fake_builder(trial):
    class M:
        def fit(self):
            pass
    trial.suggest("width", [4, 8])
    trial.suggest("depth", [1, 2, 3])
    return M()


def _cfg(tmp_path, **kw):
    return SearchConfig(data="d.npz", eval_x="x.npy", eval_y="y.npy", board="mps2-an386",
                        outdir=str(tmp_path), input_shape=(8, 8, 1), classes=10,
                        builder=f"{__file__}:fake_builder", **kw)


def test_define_asks_builder_then_compression_knobs(tmp_path):
    asked = []

    def suggest(name, choices):
        asked.append((name, choices))
        return choices[-1]
    knobs = space.define(_cfg(tmp_path), suggest)
    assert [a[0] for a in asked] == ["width", "depth", "prune", "cluster", "qat"]
    assert dict(asked)["prune"] == [0.0, 0.5, 0.75, "2:4"] and dict(asked)["cluster"] == [0, 16]
    assert knobs == {"width": 8, "depth": 3, "prune": "2:4", "cluster": 16, "qat": True}
    assert space.define(_cfg(tmp_path, compress=False), suggest)["prune"] == 0.0
    asked.clear()
    taught = space.define(_cfg(tmp_path, compress=False, teacher="t.h5"), suggest)
    assert [a[0] for a in asked] == ["width", "depth", "distill"] and taught["distill"] is True
    replay = space.fixed(knobs)
    assert replay("width", [4, 8]) == 8
    with pytest.raises(TinyDeployError, match="not asked"):
        replay("heads", [1, 2])


def test_limits_name_what_does_not_fit(tmp_path):
    need = {"ram": 9000, "flash": 40_000, "instructions": 2e6}
    assert limit_problems(_cfg(tmp_path), need) == []              # the board's own limits
    got = limit_problems(_cfg(tmp_path, max_ram=8000, max_flash=30_000, max_latency=1e6), need)
    assert [g.split()[0] for g in got] == ["RAM", "flash", "latency"]


def test_pareto_front_and_best():
    def row(i, acc, instr, ram, status="complete"):
        return {"trial": i, "status": status, "accuracy_int8": acc, "instructions": instr, "ram": ram}
    rows = [row(0, 0.9, 100, 50), row(1, 0.8, 50, 50), row(2, 0.8, 120, 60),   # 2 is dominated
            row(3, 0.95, 300, 90), row(4, 0.99, 1, 1, status="pruned")]
    assert [r["trial"] for r in pareto.front(rows)] == [3, 0, 1]
    assert pareto.best(rows, "accuracy")["trial"] == 3
