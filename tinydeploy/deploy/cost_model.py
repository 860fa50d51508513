"""Latency cost model: instructions per inference estimated from the lowered program alone.

Contract: every kernel call's instruction count is modelled as a non-negative linear function
of features read off the lowered program (no device needed):
    instr = c0 + c1 * MACs + c2 * output elements + c3 * input elements + c4 * weight bytes
            + c5 * MACs per output channel (an im2col / patch size: rows built per call)
            + c6 * output pixels (per-pixel loop overhead)
            + c7 * output pixels x (channels mod 4) (the scalar tail of 4-channel SIMD loops)
with one coefficient vector per (core, kernel), fitted by non-negative least squares on the
per-layer instruction counts that real firmware reports in QEMU (`td-layers`), plus a
per-core fallback fitted on all layers for kernels the calibration never saw. A layer with
encoded weights (Layer.dense_const_bytes set) counts its stored bytes as weight bytes, and
a sparse one its MACs scaled by stored / dense bytes (its kernel skips the zeros).
`fit(core, rows)` / `refit(prior, rows)` / `add_kernels(cm, rows)` fit measured rows
(measure/calibrate_cost.py measures them in QEMU); `CostModel.save/load` is JSON;
`estimate(compiled, cost_model)` returns {"instructions", "per_layer"};
`default_cost_model(core)` loads the coefficients
shipped in boards/cost/<core>.json (benchmarks/calibrate_cost_model.py writes them).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..compiler.compiled import Compiled, as_compiled
from ..errors import TinyDeployError
from ..resources import data_dir

FEATURES = ("const", "macs", "out_elems", "in_elems", "weight_bytes", "patch", "pixels", "tail")
FALLBACK = "*"


def layer_features(compiled: Compiled) -> list[dict]:
    """One row per kernel call (the device's td-layers rows, in order): kernel, op, index,
    and the FEATURES values."""
    program = as_compiled(compiled).program
    g = program.graph
    rows = []
    for layer in program.layers:
        if not layer.kernel:
            continue
        ins = sum(g.t(t).size for t in layer.inputs if t is not None and t >= 0)
        wbytes = layer.weight_bytes or sum(c.nbytes for c in layer.consts)
        macs = float(layer.macs)
        if layer.dense_const_bytes:
            # an encoded layer reads what it stores; the sparse kernels also multiply only
            # what they store (palette and 2:4 kernels: every MAC, or a fixed half of them)
            wbytes = layer.const_bytes
            if layer.encoding.startswith("sparse"):
                macs *= layer.const_bytes / layer.dense_const_bytes
        out = g.t(layer.output)
        channels = out.shape[-1] if out.shape else 1
        rows.append({"kernel": layer.kernel, "op": layer.op, "tflite_index": layer.index,
                     "const": 1.0, "macs": macs, "out_elems": float(g.t(layer.output).size),
                     "in_elems": float(ins), "weight_bytes": float(wbytes),
                     "patch": macs / max(1, channels),
                     "pixels": float(out.size // max(1, channels)),
                     "tail": float(out.size // max(1, channels) * (channels % 4))})
    return rows


def _vector(row: dict) -> np.ndarray:
    return np.array([row[f] for f in FEATURES], dtype=np.float64)


def _nnls(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Non-negative least squares on column-scaled features (well conditioned), weighted so
    that every layer counts by its relative error rather than its absolute size."""
    from scipy.optimize import nnls
    w = 1.0 / np.maximum(b, 1.0)
    aw = a * w[:, None]
    scale = np.maximum(np.abs(aw).max(axis=0), 1e-12)
    x, _ = nnls(aw / scale, b * w, maxiter=50 * a.shape[1])
    return x / scale


@dataclass
class CostModel:
    core: str
    coefficients: dict[str, list[float]] = field(default_factory=dict)   # kernel -> FEATURES
    samples: dict[str, int] = field(default_factory=dict)                # kernel -> layers fitted
    calibrated_on: list[str] = field(default_factory=list)
    error: dict = field(default_factory=dict)     # fit error on the calibration set

    def layer_instructions(self, row: dict) -> float:
        c = self.coefficients.get(row["kernel"]) or self.coefficients[FALLBACK]
        return float(np.dot(c, _vector(row)))

    def to_json(self) -> dict:
        return {"core": self.core, "features": list(FEATURES), "coefficients": self.coefficients,
                "samples": self.samples, "calibrated_on": self.calibrated_on, "error": self.error}

    def save(self, path) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n")
        return p

    @classmethod
    def load(cls, path) -> CostModel:
        try:
            d = json.loads(Path(path).read_text())
            if tuple(d["features"]) != FEATURES or FALLBACK not in d["coefficients"]:
                raise ValueError("features or fallback differ")
            return cls(d["core"], {k: [float(x) for x in v] for k, v in d["coefficients"].items()},
                       d.get("samples", {}), d.get("calibrated_on", []), d.get("error", {}))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise TinyDeployError(f"cost model {path} cannot be read ({e}); recalibrate it with "
                                  f"benchmarks/calibrate_cost_model.py") from None


def fit(core: str, rows: list[dict], min_samples: int = 1) -> CostModel:
    """Fit from rows of layer_features() with a measured "instructions" each."""
    if not rows:
        raise TinyDeployError("no measured layers to fit a cost model on")
    cm = CostModel(core)
    a_all = np.stack([_vector(r) for r in rows])
    b_all = np.array([r["instructions"] for r in rows], dtype=np.float64)
    cm.coefficients[FALLBACK] = _nnls(a_all, b_all).tolist()
    cm.samples[FALLBACK] = len(rows)
    for kernel in sorted({r["kernel"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["kernel"] == kernel]
        if len(idx) >= min_samples:
            cm.coefficients[kernel] = _nnls(a_all[idx], b_all[idx]).tolist()
            cm.samples[kernel] = len(idx)
    return cm


def add_kernels(cm: CostModel, rows: list[dict]) -> CostModel:
    """cm with each kernel of `rows` fitted on those rows alone (as fit() does per kernel),
    every other kernel and the fallback as they were: new kernels join a shipped model."""
    out = CostModel(cm.core, {k: list(v) for k, v in cm.coefficients.items()}, dict(cm.samples),
                    list(cm.calibrated_on), dict(cm.error))
    for kernel in sorted({r["kernel"] for r in rows}):
        mine = [r for r in rows if r["kernel"] == kernel]
        out.coefficients[kernel] = _nnls(np.stack([_vector(r) for r in mine]),
                                         np.array([r["instructions"] for r in mine])).tolist()
        out.samples[kernel] = len(mine)
    return out


def refit(prior: CostModel, rows: list[dict], strength: float = 1.0) -> CostModel:
    """The prior's coefficients refitted, per kernel that `rows` measured, on those rows
    (NNLS on relative error, as fit()) plus one pseudo-row per coefficient pulling it to the
    prior's value with weight `strength`: the rows decide what they can determine (a few
    models of one search space), the prior keeps the rest. Other kernels keep the prior's."""
    from scipy.optimize import nnls
    out = CostModel(prior.core, {k: list(v) for k, v in prior.coefficients.items()},
                    dict(prior.samples), list(prior.calibrated_on))
    for kernel in sorted({r["kernel"] for r in rows}):
        mine = [r for r in rows if r["kernel"] == kernel]
        a = np.stack([_vector(r) for r in mine])
        b = np.array([r["instructions"] for r in mine], dtype=np.float64)
        c0 = np.array(prior.coefficients.get(kernel) or prior.coefficients[FALLBACK])
        w = 1.0 / np.maximum(b, 1.0)
        aw, bw = a * w[:, None], b * w
        scale = np.maximum(np.abs(aw).max(axis=0), 1e-12)
        k = np.sqrt(strength)
        u, _ = nnls(np.vstack([aw / scale, k * np.eye(len(FEATURES))]),
                    np.concatenate([bw, k * c0 * scale]), maxiter=50 * len(FEATURES))
        out.coefficients[kernel] = (u / scale).tolist()
        out.samples[kernel] = out.samples.get(kernel, 0) + len(mine)
    return out


def estimate(compiled, cost_model: CostModel) -> dict:
    """{"instructions": total, "per_layer": [{index, kernel, op, tflite_index, instructions}]}"""
    rows = layer_features(as_compiled(compiled))
    per = []
    for i, r in enumerate(rows):
        per.append({"index": i, "kernel": r["kernel"], "op": r["op"], "tflite_index": r["tflite_index"],
                    "instructions": cost_model.layer_instructions(r)})
    return {"instructions": float(sum(p["instructions"] for p in per)), "per_layer": per}


def default_cost_model(core: str) -> CostModel:
    """The shipped coefficients for `core` (boards/cost/<core>.json)."""
    path = data_dir("boards") / "cost" / f"{core}.json"
    if not path.is_file():
        raise TinyDeployError(f"no cost model shipped for core {core}; calibrate one with "
                              f"benchmarks/calibrate_cost_model.py --board <an emulated {core} board>")
    return CostModel.load(path)
