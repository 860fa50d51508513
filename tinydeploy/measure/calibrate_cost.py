"""The cost model's QEMU calibration: run a model's firmware on an emulated board and read
the per-layer instruction counts (`td-layers`) as rows to fit.

Contract: `measure_layers(model, board)` returns deploy.cost_model.layer_features() rows of a
model, each with the measured "instructions" of its kernel call and the model's name;
deploy.cost_model.fit/refit turn such rows into a CostModel (benchmarks/calibrate_cost_model.py
for the shipped coefficients, search/calibrate.py for a search space).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from ..compiler.compiled import as_compiled
from ..deploy.boards import as_board
from ..deploy.build import build_firmware
from ..deploy.cost_model import layer_features
from ..deploy.qemu import start_qemu
from ..errors import TinyDeployError
from .dut import Dut


def measure_layers(model, board, out_dir=None, timeout: float = 120.0) -> list[dict]:
    """Build `model` for `board`, run one inference in QEMU and return layer_features() rows
    with the measured "instructions" of each kernel call."""
    compiled, b = as_compiled(model), as_board(board)
    if not b.emulated:
        raise TinyDeployError(f"calibration needs an emulated board (QEMU), not {b.name}")
    rows = layer_features(compiled)
    with tempfile.TemporaryDirectory(prefix="td-cost-") as tmp:
        r = build_firmware(compiled, b, Path(out_dir or tmp) / "fw")
        with start_qemu(b, r["elf"]) as q:
            dut = Dut.open(q.url, timeout=timeout)
            try:
                dut.wait_ready(30.0)
                rng = np.random.default_rng(0)
                g = compiled.graph
                for i, t in enumerate(g.inputs):
                    data = rng.integers(-128, 128, g.t(t).nbytes, dtype=np.int16).astype(np.int8)
                    dut.load(data.tobytes(), input=i if len(g.inputs) > 1 else None)
                dut.infer(1, 0, timeout=timeout)
                measured = dut.layers()
            finally:
                dut.close()
    if len(measured) != len(rows):
        raise TinyDeployError(f"{compiled.name}: device reports {len(measured)} layers, the "
                              f"program has {len(rows)}")
    for row, m in zip(rows, measured):
        row["instructions"] = float(m["time"])
        row["model"] = compiled.name
    return rows
