"""One search trial: knobs -> results row (engine-neutral; both engines call run_trial).

Order matters: the int8 memory needs come FIRST, from an untrained conversion (compile_model,
deploy/fit.py estimate against the board and --max-ram/--max-flash, the cost model against
--max-latency), and a trial that cannot fit is pruned before any training. Otherwise: train
`epochs` seeded epochs (reporting the validation accuracy per epoch to the engine, which may
stop it early), compress (optimize_model: prune / M:N / cluster / QAT), convert to int8
(convert_model), int8 accuracy from the generated C on the host (compiler/predict), latency
instructions from the cost model and an energy estimate (measure/energy.py).
"""
from __future__ import annotations

import json
import time
import warnings
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import TinyDeployError
from . import space


@dataclass
class SearchConfig:
    data: str                      # the normalized .npz (run.prepare_data)
    eval_x: str                    # .npy inputs and labels for the int8 accuracy
    eval_y: str
    board: str
    outdir: str
    input_shape: tuple
    classes: int
    family: str | None = None
    builder: str | None = None
    trials: int = 12
    epochs: int = 3
    objective: str = "accuracy"
    max_ram: int | None = None
    max_flash: int | None = None
    max_latency: float | None = None
    seed: int = 0
    batch_size: int = 32
    compress: bool = True          # search the compression knobs
    workers: int = 1
    teacher: str | None = None     # --teacher: adds the distill knob
    teacher_logits: str | None = None   # .npy: its logits on data.npz's x_train (run.py)
    measure: int = 0               # trials of the front measured in QEMU (run.py)
    calibrate: int = 0             # models of the space run in QEMU first (calibrate.py)
    cost_model: str | None = None  # its OUTDIR/cost-model.json; None: the shipped one
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        d = asdict(self)
        d["input_shape"] = list(self.input_shape)
        return d


def trial_seed(seed: int, knobs: dict) -> int:
    """The training seed: from --seed and the knobs alone, so the same knobs train the same
    way in either engine, in any order, and when a resumed search re-runs a trial."""
    text = json.dumps(sorted((k, str(v)) for k, v in knobs.items()))
    return (seed * 1_000_003 + zlib.crc32(text.encode())) % (2 ** 31)


class StopTrial(Exception):
    """Raised by an engine's report() to stop a trial early (ASHA / median pruner)."""


def _needs(cfg: SearchConfig, tfl: Path) -> dict:
    from ..compiler.compiled import compile_model
    from ..deploy import cost_model as cm
    from ..deploy.boards import load_board
    from ..deploy.fit import estimate
    board = load_board(cfg.board)
    compiled = compile_model(tfl)
    need = estimate(compiled, board, None)
    try:
        model = cm.CostModel.load(cfg.cost_model) if cfg.cost_model else \
            cm.default_cost_model(board.core)
        instr = cm.estimate(compiled, model)["instructions"]
    except TinyDeployError:
        instr = None           # no cost model for this core
    return dict(compiled=compiled, ram=need["ram"], arena=need["arena"], flash=need["flash"],
                instructions=instr)


def limit_problems(cfg: SearchConfig, need: dict) -> list[str]:
    from ..deploy.boards import load_board
    b = load_board(cfg.board)
    max_ram, max_flash = cfg.max_ram or b.ram.size, cfg.max_flash or b.flash.size
    out = []
    if need["ram"] > max_ram:
        out.append(f"RAM {need['ram']:,} B > {max_ram:,}")
    if need["flash"] > max_flash:
        out.append(f"flash {need['flash']:,} B > {max_flash:,}")
    if cfg.max_latency and need["instructions"] and need["instructions"] > cfg.max_latency:
        out.append(f"latency {need['instructions']:,.0f} instructions > {cfg.max_latency:,.0f}")
    return out


def run_trial(cfg: SearchConfig, knobs: dict, number: int, report=None, progress=None) -> dict:
    """Run one trial (module docstring). `report(epoch, val_accuracy, row)` may raise
    StopTrial; row is the results row so far."""
    from ..train.tfenv import import_tf
    say = progress or (lambda msg: None)
    t0 = time.monotonic()
    knobs = {**space.compression_defaults(), **knobs}
    tf = import_tf()
    import tf_keras
    tdir = Path(cfg.outdir) / "trials" / f"{number:04d}"
    tdir.mkdir(parents=True, exist_ok=True)
    row = {"trial": number, **{f"knob_{k}": v for k, v in knobs.items()}, "status": "running",
           "reason": "", "trained_epochs": 0, "accuracy_float": None, "accuracy_int8": None,
           "val_accuracy": None, "ram": None, "arena": None, "flash": None,
           "instructions": None, "energy_uj": None}
    same = same_knobs(cfg, knobs)
    if same is not None:        # the training seed comes from the knobs: same result
        row = {**same, "trial": number, "seconds": 0.0,
               "status": "duplicate" if same["status"] == "complete" else same["status"],
               "reason": f"same knobs as trial {same['trial']}: its results, not retrained"
               + (f" ({same['reason']})" if same.get("reason") else "")}
        say(f"trial {number}: same knobs as trial {same['trial']}, not retrained")
        return row
    model = untrained(cfg, knobs, tdir / "untrained.tflite", trial_seed(cfg.seed, knobs))
    need = _needs(cfg, tdir / "untrained.tflite")
    row.update({k: need[k] for k in ("ram", "arena", "flash", "instructions")})
    problems = limit_problems(cfg, need)
    if problems:
        row.update(status="pruned", reason="does not fit: " + "; ".join(problems),
                   seconds=round(time.monotonic() - t0, 1))
        say(f"trial {number}: pruned before training ({'; '.join(problems)})")
        return _keep(tdir, row)
    float_acc, stopped = _train(tf_keras, cfg, model, row, report, say, number)
    row["accuracy_float"] = float_acc
    if stopped:
        row.update(status="stopped", reason="stopped early by the scheduler",
                   seconds=round(time.monotonic() - t0, 1))
        return row
    keras_path, tfl = _compress_and_convert(cfg, model, knobs, tdir, say)
    final = _needs(cfg, tfl)
    row.update({k: final[k] for k in ("ram", "arena", "flash", "instructions")})
    from ..compiler.predict import predict
    row["accuracy_int8"] = predict(final["compiled"], cfg.eval_x, cfg.eval_y)["accuracy"]
    from ..deploy.boards import load_board
    from ..measure.energy import estimate_energy
    row["energy_uj"] = estimate_energy(load_board(cfg.board), final["instructions"],
                                       "instructions")["value"]
    row.update(status="complete", keras=str(keras_path), tflite=str(tfl),
               seconds=round(time.monotonic() - t0, 1))
    del tf
    return _keep(tdir, row)


def _keep(tdir: Path, row: dict) -> dict:
    """Store a finished row (complete or pruned) as trials/NNNN/row.json for same_knobs."""
    (tdir / "row.json").write_text(json.dumps(row, default=str) + "\n")
    return row


def same_knobs(cfg: SearchConfig, knobs: dict) -> dict | None:
    """The stored row of an earlier complete or pruned trial with exactly these knobs."""
    want = {f"knob_{k}": json.loads(json.dumps(v, default=str)) for k, v in knobs.items()}
    for path in sorted((Path(cfg.outdir) / "trials").glob("*/row.json")):
        try:
            row = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        got = {k: v for k, v in row.items() if k.startswith("knob_")}
        if got == want and row.get("status") in ("complete", "pruned"):
            return row
    return None


def untrained(cfg: SearchConfig, knobs: dict, tflite: Path, seed: int):
    """Build the model of `knobs` with weights from `seed`, save it as tflite's .h5 and
    convert it, untrained, to int8 at `tflite` (memory and instruction counts do not depend
    on training); returns the tf_keras model."""
    import tf_keras

    from ..train.convert import convert_model
    tf_keras.utils.set_random_seed(seed)
    model, _ = space.build(cfg, space.fixed(knobs))
    _save(model, tflite.with_suffix(".h5"))
    convert_model(tflite.with_suffix(".h5"), cfg.data, tflite, samples=4, seed=cfg.seed)
    return model


def _save(model, path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # "HDF5 is legacy": tfmot needs tf_keras .h5
        model.save(path)


def _train(tfk, cfg, model, row, report, say, number):
    from ..train.training_data import Task, load_data
    d = load_data(cfg.data, model, 0.0, cfg.seed)
    task = Task(tfk, model, d, None, None, None)
    task.check(model, d)
    state = {"stopped": False}

    class Epochs(tfk.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            row["trained_epochs"] = epoch + 1
            acc = (logs or {}).get("val_accuracy", (logs or {}).get("accuracy"))
            row["val_accuracy"] = None if acc is None else float(acc)
            say(f"trial {number} epoch {epoch + 1}/{cfg.epochs}: val accuracy "
                f"{row['val_accuracy'] if acc is not None else float('nan'):.3f}")
            if report is not None:
                try:
                    report(epoch + 1, row["val_accuracy"] or 0.0, row)
                except StopTrial:
                    state["stopped"] = True
                    self.model.stop_training = True

    if row.get("knob_distill"):
        _distil(cfg, model, d, row, report, say, number, state)
        acc = task.score(model.predict(d.x_eval, batch_size=256, verbose=0))["accuracy"]
        return acc, state["stopped"]
    model.compile(optimizer=tfk.optimizers.Adam(1e-3), loss=task.loss, metrics=task.metrics)
    val = (d.x_val, d.y_val) if d.x_val is not None else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(d.x_train, d.y_train, batch_size=cfg.batch_size, epochs=cfg.epochs,
                  validation_data=val, shuffle=True, verbose=0, callbacks=[Epochs()])
    acc = task.score(model.predict(d.x_eval, batch_size=256, verbose=0))["accuracy"]
    return acc, state["stopped"]


def _distil(cfg, model, d, row, report, say, number, state):
    """Train with the distillation loss against the teacher's logits (train/distill.py)."""
    import numpy as np

    from ..train.convert import class_ids
    from ..train.distill import fit_distilled
    t_logits = np.load(cfg.teacher_logits)
    if len(t_logits) != len(d.x_train):
        raise TinyDeployError(f"{cfg.teacher_logits}: {len(t_logits)} teacher logits for "
                              f"{len(d.x_train)} training samples; start the search afresh")

    def on_epoch(epoch, val):
        row["trained_epochs"], row["val_accuracy"] = epoch, val
        say(f"trial {number} epoch {epoch}/{cfg.epochs} (distilled): val accuracy "
            f"{val if val is not None else float('nan'):.3f}")
        if report is not None:
            try:
                report(epoch, val or 0.0, row)
            except StopTrial:
                state["stopped"] = True
                return True
        return False
    fit_distilled(model, d.x_train, class_ids(d.y_train, cfg.classes, d.desc["train"]), t_logits,
                  x_val=d.x_val, y_val=None if d.x_val is None else
                  class_ids(d.y_val, cfg.classes, d.desc["val"]),
                  epochs=cfg.epochs, batch_size=cfg.batch_size,
                  seed=trial_seed(cfg.seed, {k[5:]: v for k, v in row.items() if k.startswith("knob_")}),
                  on_epoch=on_epoch)


def _compress_and_convert(cfg, model, knobs, tdir: Path, say):
    from ..train.convert import convert_model
    prune, cluster, qat = knobs.get("prune", 0.0), knobs.get("cluster", 0), knobs.get("qat", False)
    _save(model, tdir / "float.h5")
    if not (prune or cluster or qat):
        convert_model(tdir / "float.h5", cfg.data, tdir / "model.tflite", samples=64, seed=cfg.seed)
        return tdir / "float.h5", tdir / "model.tflite"
    from ..train.optimize import optimize_model
    say(f"compressing: prune {prune}, cluster {cluster}, qat {qat}")
    r = optimize_model(tdir / "float.h5", cfg.data, tdir / "model.h5",
                       prune=prune if isinstance(prune, float) and prune > 0 else None,
                       prune_structure=prune if isinstance(prune, str) else None,
                       qat=bool(qat), cluster=cluster or None, epochs=max(1, cfg.epochs // 2),
                       batch_size=cfg.batch_size, seed=cfg.seed, skip_unsupported=True,
                       baseline=False, samples=64)
    return Path(r["output"]), Path(r["tflite"])
