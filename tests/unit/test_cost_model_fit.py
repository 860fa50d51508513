"""The cost model's fit (non-negative least squares per kernel), its JSON round trip and the
shipped coefficients' shape."""
import pytest

from tinydeploy.deploy import cost_model as cmod
from tinydeploy.errors import TinyDeployError

pytestmark = pytest.mark.unit


def _row(kernel, macs, out):
    return {"kernel": kernel, **dict.fromkeys(cmod.FEATURES, 0.0), "const": 1.0,
            "macs": float(macs), "out_elems": float(out)}


def test_fit_recovers_linear_costs_and_round_trips(tmp_path):
    rows = [dict(_row("a", m, o), instructions=100.0 + 3 * m + 2 * o)
            for m, o in ((10, 4), (50, 9), (90, 30), (200, 7))]
    rows += [dict(_row("b", m, 1), instructions=40.0 + 7 * m) for m in (5, 60)]
    cm = cmod.fit("cortex-m4", rows)
    assert min(min(c) for c in cm.coefficients.values()) >= 0
    back = cmod.CostModel.load(cm.save(tmp_path / "c.json"))
    for r in rows:
        assert back.layer_instructions(r) == pytest.approx(r["instructions"], rel=1e-3)
    unseen = _row("never_calibrated", 10, 4)          # falls back to the all-kernel fit
    assert back.layer_instructions(unseen) > 0


def test_shipped_model_and_bad_file(tmp_path):
    cm = cmod.default_cost_model("cortex-m4")
    assert cmod.FALLBACK in cm.coefficients and len(cm.calibrated_on) >= 30
    with pytest.raises(TinyDeployError, match="recalibrate"):
        cmod.CostModel.load(tmp_path / "missing.json")
    with pytest.raises(TinyDeployError, match="no cost model shipped"):
        cmod.default_cost_model("cortex-m99")


def test_refit_moves_measured_kernels_toward_the_rows_and_keeps_the_rest():
    """A prior that is 30 % off on kernel a: refitted on three rows of a, the error on them
    and on a held-out size of the same kernel shrinks (to the truth with a weak prior);
    kernel b, not measured, keeps the prior's coefficients."""
    def truth(m, o):
        return 100.0 + 3 * m + 2 * o
    prior = cmod.CostModel("cortex-m4", {"a": [0, 0, 0, 0, 0, 0, 0, 0], "b": [5, 1, 0, 0, 0, 0, 0, 0],
                                         cmod.FALLBACK: [1, 1, 1, 0, 0, 0, 0, 0]})
    prior.coefficients["a"] = [100 * 1.3, 3 * 1.3, 2 * 1.3, 0, 0, 0, 0, 0]
    rows = [dict(_row("a", m, o), instructions=truth(m, o)) for m, o in ((10, 4), (90, 30), (200, 7))]
    new = cmod.refit(prior, rows)                   # the default pull toward the prior
    held = _row("a", 120, 15)
    for r in [*rows, dict(held, instructions=truth(120, 15))]:
        before = abs(prior.layer_instructions(r) - r["instructions"])
        assert abs(new.layer_instructions(r) - r["instructions"]) < 0.5 * before
    weak = cmod.refit(prior, rows, strength=0.1)    # the rows decide
    for r in [*rows, dict(held, instructions=truth(120, 15))]:
        assert weak.layer_instructions(r) == pytest.approx(r["instructions"], rel=0.03)
    assert new.coefficients["b"] == prior.coefficients["b"] and new.samples["a"] == 3
