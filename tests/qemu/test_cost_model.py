"""The shipped latency cost model (boards/cost/cortex-m4.json, fitted by
benchmarks/calibrate_cost_model.py) against QEMU's per-layer instruction counts on zoo models
it was not calibrated on: the whole-model estimate is within 15 %."""
import sys
from pathlib import Path

import pytest

from tinydeploy.deploy import cost_model as cmod
from tinydeploy.deploy.boards import load_board
from tinydeploy.measure.calibrate_cost import measure_layers

import zoo

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import calibrate_cost_model as calib  # noqa: E402

pytestmark = [pytest.mark.qemu, pytest.mark.tf]
BOARD = load_board("mps2-an386")


@pytest.mark.parametrize("name", calib.HELD_OUT)
def test_estimate_within_15_percent_on_held_out_zoo_models(name, tmp_path):
    cm = cmod.default_cost_model(BOARD.core)
    assert name not in cm.calibrated_on and name not in calib.CALIBRATION
    path = zoo.tflite_path(name)
    rows = measure_layers(path, BOARD, tmp_path)
    est = cmod.estimate(path, cm)
    want = sum(r["instructions"] for r in rows)
    assert len(est["per_layer"]) == len(rows) and want > 0
    assert abs(est["instructions"] - want) / want <= 0.15, (name, est["instructions"], want)

