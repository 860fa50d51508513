"""The cost model's fit (non-negative least squares per kernel), its JSON round trip and the
shipped coefficients' shape."""
import pytest

from tinydeploy.errors import TinyDeployError
from tinydeploy.target import cost_model as cmod

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
