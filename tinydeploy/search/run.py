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
           "val_accuracy", "ram", "arena", "flash", "instructions", "qemu_instructions",
           "cost_model_error", "energy_uj", "seconds"]
VAL_SPLIT = 0.2


def prepare_data(spec: str, outdir: Path, seed: int) -> dict:
    """Write OUTDIR/data.npz (x_train/y_train, x_val/y_val: the given ones or a seeded 20 %
    split, x_test/y_test when given) and eval_x/eval_y .npy; return shape and classes."""
    from ..train.training_data import read_spec
    arrays, name = read_spec(spec, 0)
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


def make_config(*, data, board, outdir, family=None, builder=None, teacher=None,
                **kw) -> SearchConfig:
    if bool(family) == bool(builder):
        raise TinyDeployError("give exactly one of --family F or --builder module:function")
    from ..deploy.boards import load_board
    load_board(board)
    if family:
        space.family(family)
    else:
        space.load_builder(builder)     # a bad module:function fails here, in one line
    if teacher is not None and not Path(teacher).exists():
        raise TinyDeployError(f"--teacher {teacher}: no such file")
    d = prepare_data(data, Path(outdir), kw.get("seed", 0))
    extra = dict(kw.pop("extra", {}) or {})
    if teacher is not None:
        d["teacher"] = str(Path(teacher).resolve())
        d["teacher_logits"], extra["teacher_accuracy"] = _teacher_logits(teacher, d, Path(outdir))
    return SearchConfig(board=board, outdir=str(outdir), family=family, builder=builder,
                        extra=extra, **d, **kw)


def _teacher_logits(teacher, d: dict, outdir: Path) -> tuple[str, float]:
    """The teacher's logits on the training split, computed once for every trial (written
    as OUTDIR/teacher_logits.npy), and its accuracy on the evaluation split."""
    from ..data import top1
    from ..train.convert import class_ids
    from ..train.distill import teacher_logits
    with np.load(d["data"]) as z:
        x = z["x_train"]
    logits, model = teacher_logits(teacher, x, d["input_shape"], d["classes"])
    path = outdir / "teacher_logits.npy"
    np.save(path, logits)
    ids = class_ids(np.load(d["eval_y"]), d["classes"], "the evaluation labels")
    return str(path), top1(model.predict(np.load(d["eval_x"]), batch_size=256, verbose=0), ids)


def run_search(cfg: SearchConfig, engine: str = "local", address=None, progress=None) -> dict:
    t0 = time.monotonic()
    out = Path(cfg.outdir)
    calibration = None
    if cfg.calibrate > 0:
        from .calibrate import calibrate
        calibration = calibrate(cfg, cfg.calibrate, progress)
        cfg.cost_model = calibration["path"]
    if engine == "ray":
        from .ray_engine import search as run
        rows, storage = run(cfg, address, progress)
    else:
        from .local import search as run
        rows, storage = run(cfg, progress)
    check = check_cost_model(cfg, rows, progress)
    if calibration is not None:
        check["calibration"] = calibration
        _held_out(check, rows, calibration.get("knobs") or [])
    return write_results(cfg, rows, storage, engine, round(time.monotonic() - t0, 1), out, check)


def check_cost_model(cfg: SearchConfig, rows: list[dict], progress=None) -> dict:
    """Measure up to cfg.measure completed trials (the best first, then the Pareto front) in
    QEMU on an emulated board and set their qemu_instructions and cost_model_error
    ((estimate - QEMU) / QEMU); returns the check's summary for the report."""
    from ..deploy.boards import load_board
    from ..measure.calibrate_cost import measure_layers
    board = load_board(cfg.board)
    if cfg.measure <= 0:
        return {"measured": 0, "why": "--measure 0"}
    if not board.emulated:
        return {"measured": 0, "why": f"{board.name} is not emulated: no QEMU to check against"}
    pick = [pareto.best(rows, cfg.objective)] + pareto.front(rows)
    todo = []
    for r in pick:
        if r is not None and r["trial"] not in {t["trial"] for t in todo} and r.get("instructions"):
            todo.append(r)
    todo = todo[:cfg.measure]
    for r in todo:
        if progress:
            progress(f"checking the cost model: trial {r['trial']} in QEMU on {board.name}")
        layers = measure_layers(r["tflite"], board)
        r["qemu_instructions"] = float(sum(x["instructions"] for x in layers))
        r["cost_model_error"] = round((r["instructions"] - r["qemu_instructions"])
                                      / r["qemu_instructions"], 4)
    errs = [abs(r["cost_model_error"]) for r in todo]
    return {"measured": len(todo), "trials": [r["trial"] for r in todo],
            "mean_abs_error": float(np.mean(errs)) if errs else None,
            "max_abs_error": float(np.max(errs)) if errs else None, "board": board.name}


def _held_out(check: dict, rows: list[dict], calibrated: list[dict]) -> None:
    """Mark the measured trials whose model knobs were a calibration sample, and give the
    error on the others (the cost model saw neither them nor their architecture)."""
    seen = [dict(sorted(k.items())) for k in calibrated]
    errs = []
    for r in rows:
        if r.get("qemu_instructions") is None:
            continue
        mk = {k[5:]: str(v) for k, v in r.items()
              if k.startswith("knob_") and k[5:] not in space.COMPRESSION}
        r["in_calibration"] = dict(sorted(mk.items())) in seen
        if not r["in_calibration"]:
            errs.append(abs(r["cost_model_error"]))
    check["held_out"] = len(errs)
    check["held_out_mean_abs_error"] = float(np.mean(errs)) if errs else None


def write_results(cfg, rows, storage, engine, seconds, out: Path, check=None) -> dict:
    """Write OUTDIR's results from `rows` (every trial of the search, the stored ones too);
    refuses, writing nothing, when OUTDIR's results.csv has more completed trials: results
    are never replaced by poorer ones (a journal deleted, or OUTDIR from a run without one)."""
    _keep_richer(out, rows)
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
    counts = {s: sum(r["status"] == s for r in rows)
              for s in ("complete", "pruned", "stopped", "failed", "duplicate")}
    report = {"engine": engine, "config": cfg.to_json(), "trials": len(rows), "counts": counts,
              "seconds": seconds, "storage": str(storage), "best": best, "pareto": front,
              "results": str(out / "results.csv"), "cost_model_check": check or {"measured": 0},
              "rows": rows,
              "teacher": cfg.teacher and {"model": cfg.teacher,
                                          "accuracy": cfg.extra.get("teacher_accuracy")}}
    (out / "search.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    return report


def _keep_richer(out: Path, rows: list[dict]) -> None:
    try:
        with open(out / "results.csv", newline="") as f:
            had = sum(r.get("status") == "complete" for r in csv.DictReader(f))
    except OSError:
        return
    have = sum(r.get("status") == "complete" for r in rows)
    if have < had:
        raise TinyDeployError(f"{out / 'results.csv'} has {had} completed trial(s), this search "
                              f"{have} ({out / 'study.journal'} lacks them): results not replaced; "
                              "give a new -o")


def format_report(r: dict) -> str:
    c, b = r["counts"], r["best"]
    lines = [f"search ({r['engine']}): {r['trials']} trials in {r['seconds']:.0f} s: "
             f"{c['complete']} complete, {c['pruned']} pruned before training, "
             f"{c['stopped']} stopped early, {c['failed']} failed"
             + (f", {c['duplicate']} repeated earlier knobs (not retrained)" if c.get("duplicate") else "")]
    if b:
        lines.append(f"best: trial {b['trial']}: int8 accuracy {b['accuracy_int8']:.3f}, RAM "
                     f"{b['ram']:,} B, flash {b['flash']:,} B, "
                     + (f"{b['instructions']:,.0f} instructions" if b["instructions"] else "no cost model")
                     + f" -> {Path(r['results']).parent / 'best.tflite'}")
    else:
        lines.append("no trial completed: relax the limits or widen the space")
    if r.get("teacher"):
        t = r["teacher"]
        lines.append(f"teacher {Path(t['model']).name}: float accuracy {t['accuracy']:.3f}; "
                     "trials with distill=True learned from its logits")
    lines.append(f"pareto front (int8 accuracy / instructions / RAM): {len(r['pareto'])} trial(s)")
    for p in r["pareto"]:
        lines.append(f"  trial {p['trial']:>3}: {p['accuracy_int8']:.3f}, "
                     f"{(p['instructions'] or 0):>12,.0f} instr, {p['ram']:>8,} B RAM, "
                     f"{p['flash']:>8,} B flash")
    ck = r.get("cost_model_check") or {}
    cal = ck.get("calibration")
    if cal and not cal.get("reused"):
        lines.append(f"cost model calibrated in QEMU on {cal['models']} model(s) of this space: "
                     + (f"error on them {cal['shipped_error']:.1%} (shipped) -> "
                        if cal.get("shipped_error") is not None else "error on them ")
                     + f"{cal['calibrated_error']:.1%}")
    elif cal:
        lines.append(f"cost model: the calibration in {cal['path']} (reused)")
    if ck.get("measured"):
        lines.append(f"cost model vs QEMU on {ck['measured']} trial(s) ({ck['board']}): mean "
                     f"|error| {ck['mean_abs_error']:.1%}, max {ck['max_abs_error']:.1%}"
                     + (f"; on the {ck['held_out']} not among the calibration models: "
                        f"{ck['held_out_mean_abs_error']:.1%}" if ck.get("held_out") else
                        "; all of them were calibration models" if "held_out" in ck else ""))
    lines.append(f"results: {r['results']}")
    return "\n".join(lines)
