"""Run a search: normalize the data, pick the engine, write the results.

`run_search(cfg, engine="local"|"ray", address=None, progress=None)` returns the search
report (also OUTDIR/search.json); OUTDIR gets results.csv (one row per trial), pareto.json,
best.h5 + best.tflite (the best completed trial) and the engine's study storage.
"""
from __future__ import annotations

import csv
import json
import shutil
import time
from pathlib import Path

import numpy as np

from ..errors import DataError, TinyDeployError
from . import pareto, space
from .trial import SearchConfig

COLUMNS = ["trial", "status", "reason", "trained_epochs", "accuracy_float", "accuracy_int8",
           "val_accuracy", "ram", "arena", "flash", "instructions", "energy_uj", "seconds"]
VAL_SPLIT = 0.2


def prepare_data(spec: str, outdir: Path, seed: int) -> dict:
    """Write OUTDIR/data.npz (x_train/y_train, x_val/y_val: the given ones or a seeded 20 %
    split, x_test/y_test when given) and eval_x/eval_y .npy; return shape and classes."""
    from ..train.training_data import _read_spec
    arrays, name = _read_spec(spec, 0)
    x = arrays.get("x_train", arrays.get("x"))
    y = arrays.get("y_train", arrays.get("y"))
    if x is None or y is None:
        raise DataError(f"{name}: search trains, so give x_train/y_train (or x/y)")
    x, y = np.asarray(x, np.float32), np.asarray(y)
    out = {"x_train": x, "y_train": y}
    if "x_val" in arrays and "y_val" in arrays:
        out.update(x_val=np.asarray(arrays["x_val"], np.float32), y_val=np.asarray(arrays["y_val"]))
    else:
        idx = np.random.default_rng(seed).permutation(len(x))
        n = max(1, int(round(len(x) * VAL_SPLIT)))
        out.update(x_train=x[idx[n:]], y_train=y[idx[n:]], x_val=x[idx[:n]], y_val=y[idx[:n]])
    if "x_test" in arrays and "y_test" in arrays:
        out.update(x_test=np.asarray(arrays["x_test"], np.float32), y_test=np.asarray(arrays["y_test"]))
    ev = ("x_test", "y_test") if "x_test" in out else ("x_val", "y_val")
    outdir.mkdir(parents=True, exist_ok=True)
    np.savez(outdir / "data.npz", **out)
    np.save(outdir / "eval_x.npy", out[ev[0]])
    np.save(outdir / "eval_y.npy", out[ev[1]])
    classes = int(y.max()) + 1 if y.ndim == 1 or y.shape[-1] == 1 else int(y.shape[-1])
    return {"data": str(outdir / "data.npz"), "eval_x": str(outdir / "eval_x.npy"),
            "eval_y": str(outdir / "eval_y.npy"), "input_shape": tuple(int(s) for s in x.shape[1:]),
            "classes": classes}


def make_config(*, data, board, outdir, family=None, builder=None, **kw) -> SearchConfig:
    if bool(family) == bool(builder):
        raise TinyDeployError("give exactly one of --family F or --builder module:function")
    from ..target.boards import load_board
    load_board(board)
    if family:
        space.family(family)
    else:
        space.load_builder(builder)     # a bad module:function fails here, in one line
    d = prepare_data(data, Path(outdir), kw.get("seed", 0))
    return SearchConfig(board=board, outdir=str(outdir), family=family, builder=builder,
                        **d, **kw)


def run_search(cfg: SearchConfig, engine: str = "local", address=None, progress=None) -> dict:
    t0 = time.monotonic()
    out = Path(cfg.outdir)
    if engine == "ray":
        from .ray_engine import search as run
        rows, storage = run(cfg, address, progress)
    else:
        from .local import search as run
        rows, storage = run(cfg, progress)
    return write_results(cfg, rows, storage, engine, round(time.monotonic() - t0, 1), out)


def write_results(cfg, rows, storage, engine, seconds, out: Path) -> dict:
    rows = sorted(rows, key=lambda r: r["trial"])
    knobs = sorted({k for r in rows for k in r if k.startswith("knob_")})
    with open(out / "results.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["trial", *knobs, *COLUMNS[1:]], extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in ["trial", *knobs, *COLUMNS[1:]]})
    front = pareto.front(rows)
    (out / "pareto.json").write_text(json.dumps(front, indent=1, default=str) + "\n")
    best = pareto.best(rows, cfg.objective)
    if best:
        src = Path(best["keras"])
        shutil.copyfile(src, out / ("best" + src.suffix))
        shutil.copyfile(best["tflite"], out / "best.tflite")
    counts = {s: sum(r["status"] == s for r in rows) for s in ("complete", "pruned", "stopped", "failed")}
    report = {"engine": engine, "config": cfg.to_json(), "trials": len(rows), "counts": counts,
              "seconds": seconds, "storage": str(storage), "best": best, "pareto": front,
              "results": str(out / "results.csv")}
    (out / "search.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    return report


def format_report(r: dict) -> str:
    c, b = r["counts"], r["best"]
    lines = [f"search ({r['engine']}): {r['trials']} trials in {r['seconds']:.0f} s: "
             f"{c['complete']} complete, {c['pruned']} pruned before training, "
             f"{c['stopped']} stopped early, {c['failed']} failed"]
    if b:
        lines.append(f"best: trial {b['trial']}: int8 accuracy {b['accuracy_int8']:.3f}, RAM "
                     f"{b['ram']:,} B, flash {b['flash']:,} B, "
                     + (f"{b['instructions']:,.0f} instructions" if b["instructions"] else "no cost model")
                     + f" -> {Path(r['results']).parent / 'best.tflite'}")
    else:
        lines.append("no trial completed: relax the limits or widen the space")
    lines.append(f"pareto front: {len(r['pareto'])} trial(s); results: {r['results']}")
    return "\n".join(lines)
