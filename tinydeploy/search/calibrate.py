"""Calibrate the latency cost model on the search's own space, with QEMU runs of the board.

`calibrate(cfg, count, progress)` draws `count` distinct model-knob sets from the space
(seeded, each knob uniform over its choices), builds each model untrained (the generated C
runs the same instructions whatever the weights' values), converts it to int8 and runs it
once in QEMU on cfg.board (`calibrate_cost.measure_layers`, per-layer counts). With a shipped
cost model for the core, each kernel the samples used is refitted on their layers with the
shipped coefficients as a prior (`cost_model.refit`: a few models cannot pin down eight
coefficients alone; a single scale factor per kernel was tried and made size-dependent
errors worse, e.g. max-pool at 2 vs 48 channels); kernels the samples did not use keep the
shipped coefficients. Without one, the coefficients are fitted
on the samples alone (cost_model.fit). Writes OUTDIR/cost-model.json, which the trials then
use, and returns a summary: models, the kernels refitted, and the error on the samples before and after.
A resumed search reuses the OUTDIR/cost-model.json it finds.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from ..errors import TinyDeployError
from . import space
from .trial import untrained

FILE = "cost-model.json"


def _draws(cfg, count: int) -> list[dict]:
    """Up to `count` distinct model-knob sets (fewer when the space is smaller)."""
    from ..train.tfenv import import_tf
    import_tf()            # quietly, before a user builder's own `import tf_keras`
    rng = random.Random(cfg.seed * 7919 + 17)
    seen, out = set(), []
    for _ in range(20 * max(1, count)):
        knobs: dict = {}

        def suggest(name, choices, knobs=knobs):
            knobs.setdefault(name, rng.choice(list(choices)))
            return knobs[name]
        if cfg.family:
            from ..train.families import FAMILIES
            for k, v in FAMILIES[cfg.family].space.items():
                suggest(k, v)
        else:
            space.build(cfg, suggest)
        key = json.dumps(sorted((k, str(v)) for k, v in knobs.items()))
        if key not in seen:
            seen.add(key)
            out.append(knobs)
            if len(out) == count:
                break
    return out


def calibrate(cfg, count: int, progress=None) -> dict:
    """See the module docstring. Returns the summary (also in OUTDIR/cost-model.json)."""
    from ..deploy import cost_model as cm
    from ..deploy.boards import load_board
    from ..measure.calibrate_cost import measure_layers
    say = progress or (lambda msg: None)
    out = Path(cfg.outdir) / FILE
    board = load_board(cfg.board)
    if out.is_file():
        saved = cm.CostModel.load(out)
        say(f"cost model: reusing {out} (calibrated on {len(saved.calibrated_on)} models)")
        return {"path": str(out), "reused": True, **saved.error}
    if not board.emulated:
        raise TinyDeployError(f"--calibrate runs QEMU, and {board.name} is not emulated; give "
                              "--calibrate 0 (the shipped cost model) or an emulated board")
    work = Path(cfg.outdir) / "calibration"
    work.mkdir(parents=True, exist_ok=True)
    rows, names, used = [], [], []
    for i, knobs in enumerate(_draws(cfg, count)):
        name = " ".join(f"{k}={v}" for k, v in knobs.items())
        say(f"calibrating the cost model in QEMU ({i + 1}/{count}): {name}")
        try:
            tfl = work / f"{i:02d}.tflite"
            untrained(cfg, knobs, tfl, cfg.seed)
            measured = measure_layers(tfl, board)
        except TinyDeployError as exc:       # too big for the board, ...: skip, say why
            say(f"calibration sample {name} skipped: {exc}")
            continue
        for r in measured:
            r["model"] = name
        rows += measured
        names.append(name)
        used.append({k: str(v) for k, v in knobs.items()})
    if not rows:
        raise TinyDeployError("no calibration sample could run in QEMU; give --calibrate 0 "
                              "to use the shipped cost model")
    try:
        shipped = cm.default_cost_model(board.core)
    except TinyDeployError:
        shipped = None
    if shipped is None:
        model = cm.fit(board.core, rows)
    else:
        model = cm.refit(shipped, rows)
    model.calibrated_on = names

    def err(m) -> float | None:
        if m is None:
            return None
        e = []
        for n in names:
            mine = [r for r in rows if r["model"] == n]
            want = sum(r["instructions"] for r in mine)
            e.append(abs(sum(m.layer_instructions(r) for r in mine) - want) / want)
        return float(sum(e) / len(e))
    model.error = {"models": len(names), "board": board.name, "knobs": used,
                   "kernels": sorted({r["kernel"] for r in rows}),
                   "shipped_error": err(shipped), "calibrated_error": err(model),
                   "method": "the shipped model refitted per kernel on the samples"
                   if shipped is not None
                   else "fitted on the samples (no cost model shipped for this core)"}
    model.save(out)
    return {"path": str(out), "reused": False, **model.error}
