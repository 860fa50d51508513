"""The `optimize` stage: low-rank factorization, pruning, clustering and quantization-aware
training with tfmot, then an int8 .tflite and a report of what each step bought.

Contract: `optimize_model(model, data, out, ...)` writes the optimized Keras model to `out`
(.h5, or .keras without QAT: tfmot QAT models do not reload from .keras), the int8 .tflite
beside it (`out` with suffix .tflite, converted by convert_model from `out`, so `tinydeploy
convert` takes `out` as it is) and the report as `<stem>.report.json`, and returns that report;
or raises a TinyDeployError subclass with one line, before any training when it can.

Order of the steps: factorize (truncated SVD of Dense and 1x1 Conv2D kernels, factorize.py)
-> fine-tune -> prune (polynomial schedule 0 -> target over the first 70% of the
steps, or M:N) -> strip -> cluster (sparsity-preserving after pruning) -> strip -> QAT
(PQAT after pruning, CQAT/PCQAT after clustering, so sparsity and clusters survive) ->
save -> convert. Every stage is scored on the held-out data (x_test/y_test, else the
validation data); the int8 models with the generated C on the host (tinydeploy predict).
With `baseline` the original model is also converted without optimization (plain PTQ).
Keras 3 models are rebuilt as tf_keras first (keras3_to_tfkeras.py), tfmot is applied
through tfmot_compat.py, the data and loss come from optimize_data.py; TF is imported
lazily.
"""
from __future__ import annotations

import json
import math
import re
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import DataError, ModelError, TinyDeployError
from .report import format_optimize_report, keras_cost, kernel_sparsity, measure_int8, summary_line
from .training_data import Data, Task, load_data

__all__ = ["optimize_model", "format_optimize_report"]

EPOCHS, BATCH_SIZE, LEARNING_RATE, VALIDATION_SPLIT = 4, 32, 1e-3, 0.1


def optimize_model(model_path, data, out_path, *, factorize: int | float | None = None,
                   prune: float | None = None,
                   prune_structure: str | None = None, qat: bool = False,
                   cluster: int | None = None, epochs: int = EPOCHS,
                   batch_size: int = BATCH_SIZE, learning_rate: float = LEARNING_RATE,
                   validation_split: float = VALIDATION_SPLIT, seed: int = 0,
                   loss: str | None = None, metrics: list[str] | None = None,
                   skip_unsupported: bool = False, baseline: bool = True, samples: int = 200,
                   progress: Callable[[str], None] | None = None) -> dict:
    """Optimize (see module docstring). `data`: a .npz path (x_train/y_train or x/y, optional
    x_val/y_val and x_test/y_test) or "module:function" / "file.py:function" returning
    arrays (x, y), a dict of arrays like the .npz, a tf.data.Dataset of (x, y), or a pair
    (train_dataset, val_dataset). `prune_structure` "M:N": at most M non-zero weights in
    every N consecutive ones (along input channels). `factorize`: a RANK (int) or an ENERGY
    fraction (float), or either as text, see factorize.py. Returns the JSON-able report."""
    say = progress or (lambda msg: None)
    t0 = time.monotonic()
    if factorize is not None:
        from .factorize import parse_factorize
        factorize = parse_factorize(factorize)
    m_by_n = _check_options(factorize, prune, prune_structure, qat, cluster, epochs,
                            batch_size, learning_rate, validation_split)
    model_path = Path(model_path)
    out, tfl_path, json_path = out_paths(Path(out_path), qat)
    from ..writer import write_bytes_atomic
    from . import tfmot_compat as tc
    from .keras3_rebuild import load_for_tfmot
    from .tfenv import import_tf
    tf = import_tf()
    tfmot = tc.import_tfmot()
    import tf_keras

    say(f"loading {model_path.name}")
    model, kind, compiled, notes = load_for_tfmot(tf, tfmot, model_path)
    tf_keras.utils.set_random_seed(seed)
    d = load_data(data, model, validation_split, seed)
    task = Task(tf_keras, model, d, loss, metrics, compiled)
    task.check(model, d)
    factorized = None
    if factorize is not None:  # before training: the SVD alone says what it keeps
        from .factorize import describe, factorize_model
        factorized = factorize_model(tf_keras, model, factorize)
    pruning = prune is not None or m_by_n is not None
    rows = tc.unsupported(tfmot, factorized[0] if factorized else model, prune=pruning,
                          m_by_n=m_by_n, cluster=cluster is not None, qat=qat)
    if rows and not skip_unsupported:
        raise ModelError(f"{model_path.name}: {tc.skip_message(rows)}; re-run with "
                         "--skip-unsupported to optimize the other layers")
    if rows:
        say(f"skipping: {tc.skip_message(rows, skipping=True)}")
        notes.append(tc.skip_message(rows, skipping=True))

    run = _Run(tf, tfmot, tf_keras, model, d, task, notes, say,
               _Trainer(tf_keras, d, task, learning_rate, epochs, batch_size, seed, say))
    if factorized:
        run.factorize(*factorized, factorize)
    if pruning:
        run.prune(prune, prune_structure, m_by_n)
    if cluster is not None:
        run.cluster(cluster, preserve_sparsity=pruning)
    if qat:
        run.qat(cluster is not None, pruning, {r["layer"] for r in rows
                                                 if r["technique"] == "qat"})
    say(f"writing {out}")
    save_atomic(run.model, out)
    run.convert(model_path if baseline else None, out, tfl_path, samples, seed)
    what = " + ".join(w for w in (
        f"factorize {describe(factorize)}" if factorized else None,
        f"prune {prune:.0%}" if prune is not None else None,
        f"prune {prune_structure}" if m_by_n else None,
        f"cluster {cluster}" if cluster is not None else None,
        run.stages[-2]["label"] if qat else None) if w) + f", {epochs} epoch(s) per stage"
    report = dict(summary=summary_line(run.stages, what),
                  model=str(model_path), keras=kind, output=str(out), tflite=str(tfl_path),
                  report=str(json_path), data=d.desc, loss=task.desc, metrics=task.metrics,
                  options=dict(factorize=factorize, prune=prune,
                               prune_structure=prune_structure, qat=qat, cluster=cluster,
                               epochs=epochs, batch_size=batch_size,
                               learning_rate=learning_rate, validation_split=validation_split,
                               seed=seed, skip_unsupported=skip_unsupported),
                  skipped=rows, stages=run.stages,
                  factorized=factorized[1] if factorized else None, notes=notes,
                  seconds=round(time.monotonic() - t0, 1))
    write_bytes_atomic(json_path, (json.dumps(report, indent=2) + "\n").encode())
    return report


class _Run:
    """The stages of one optimize run; each appends its scored row to `stages`."""

    def __init__(self, tf, tfmot, tfk, model, d, task, notes, say, fit):
        from . import tfmot_compat as tc
        self.tf, self.tfmot, self.tfk, self.tc, self.model = tf, tfmot, tfk, tc, model
        self.d, self.task, self.notes, self.say, self.fit = d, task, notes, say, fit
        self.names = [lay.name for lay in model.layers]
        self.applied: dict[str, list[str]] = {}  # what was done -> layer names
        self.stages = [fit.stage("float", model, seconds=0.0)]

    def factorize(self, model, rows: list[dict], spec):
        from .factorize import describe
        done = [r for r in rows if r["status"] == "factorized"]
        self.say(f"factorized {len(done)} of {len(rows)} Dense/Conv2D layer(s) "
                 f"({describe(spec)}), fine-tuning {self.fit.epochs} epoch(s)")
        self.model = model
        self.names = [lay.name for lay in model.layers]
        self.applied["factorized"] = [n for r in done for n in r["into"]]
        seconds = self.fit(model, "factorize")
        self.stages.append(self.fit.stage(f"factorized ({describe(spec)})", model,
                                          seconds=seconds))

    def prune(self, sparsity, structure, m_by_n):
        tfmot, fit = self.tfmot, self.fit
        steps = math.ceil(len(self.d.x_train) / fit.batch_size) * fit.epochs
        end = min(max(1, int(steps * 0.7)), steps - 1)
        if end < 1:
            raise DataError(f"{len(self.d.x_train)} training samples, batch {fit.batch_size} "
                            f"and {fit.epochs} epoch(s) give {steps} step(s); pruning needs 2+")
        freq = max(1, end // 10)  # prune 10 times on the way; the last time at end_step
        sched = tfmot.sparsity.keras.PolynomialDecay(0.0, sparsity or 0.5, begin_step=0,
                                                     end_step=end // freq * freq, frequency=freq)
        wrapped, done = self.tc.prune_wrap(tfmot, self.model, sched, m_by_n)
        what = f"{structure} structured" if m_by_n else f"polynomial 0 -> {sparsity:.0%}"
        self.say(f"pruning {len(done)} layer(s), {what}, {fit.epochs} epoch(s)")
        seconds = fit(wrapped, "prune", [tfmot.sparsity.keras.UpdatePruningStep()])
        self.model = tfmot.sparsity.keras.strip_pruning(wrapped)
        self.applied[structure if m_by_n else "pruned"] = done
        self.stages.append(fit.stage(f"pruned ({what})", self.model, seconds=seconds))
        self._note_left_out("pruned", done)

    def cluster(self, n: int, preserve_sparsity: bool):
        wrapped, done = self.tc.cluster_wrap(self.tfmot, self.model, n, preserve_sparsity)
        self.say(f"clustering {len(done)} layer(s) to {n} weight values, "
                 f"{self.fit.epochs} epoch(s)")
        seconds = self.fit(wrapped, "cluster")
        self.model = self.tfmot.clustering.keras.strip_clustering(wrapped)
        self.applied[f"clustered {n}"] = done
        self.stages.append(self.fit.stage(f"clustered ({n})", self.model, seconds=seconds))
        self._note_left_out("clustered", done)

    def _note_left_out(self, what: str, done: list[str]):
        """Name the layers with kernels that tfmot left alone (e.g. DepthwiseConv2D)."""
        left = [lay for lay in self.model.layers if lay.name not in done and _has_kernel(lay)]
        if left:
            kinds = ", ".join(sorted({type(lay).__name__ for lay in left}))
            self.notes.append(f"not {what} (tfmot leaves {kinds} kernels alone): "
                              + ", ".join(lay.name for lay in left))

    def qat(self, clustered: bool, pruned: bool, skip: set):
        combine = self.tfmot.experimental.combine
        if clustered:
            scheme = combine.Default8BitClusterPreserveQuantizeScheme(preserve_sparsity=pruned)
            label = "PCQAT" if pruned else "CQAT"
        elif pruned:
            scheme, label = combine.Default8BitPrunePreserveQuantizeScheme(), "PQAT"
        else:
            scheme, label = None, "QAT"
        self.say(f"quantization-aware training ({label}), {self.fit.epochs} epoch(s)")
        model = self.tc.quantize(self.tfmot, self.model, scheme, skip)
        seconds = self.fit(model, label)
        # CQAT's extra variables do not reload from .h5; stripped, it is a plain QAT model
        self.model = combine.strip_clustering_cqat(model) if clustered else model
        self.applied["QAT"] = [n for n in self.names if n not in skip]
        self.stages.append(self.fit.stage(label, self.model, seconds=seconds))

    def convert(self, baseline: Path | None, out: Path, tfl_path: Path, samples, seed):
        """Convert `out` (and the original model for the baseline row), measure the int8."""
        from .convert import convert_model
        d, say = self.d, self.say
        with tempfile.TemporaryDirectory(prefix="tinydeploy-opt-") as work:
            cal = Path(work) / "calibration.npz"
            np.savez(cal, x=d.x_train)
            if baseline is not None:
                say("baseline: converting the original model without optimization (PTQ)")
                try:
                    b = convert_model(baseline, cal, Path(work) / "baseline.tflite",
                                      samples=samples, seed=seed)
                    m = self._measure(Path(b["output"]))
                    self.stages.insert(1, dict(label="int8, PTQ only", calibration=_cal(b, d),
                                               **m))
                except TinyDeployError as exc:
                    self.notes.append(f"no PTQ baseline: {exc}")
            say(f"converting {out.name} to int8")
            c = convert_model(out, cal, tfl_path, samples=samples, seed=seed, progress=say)
            say("scoring the int8 model with the generated C on the host")
            m = self._measure(tfl_path)
        for row in m["layers"]:
            row["applied"] = [k for k, v in self.applied.items() if row["layer"] in v]
        pruned = [r for r in m["layers"] if any(
            r["layer"] in v for k, v in self.applied.items()
            if k not in ("QAT", "factorized") and not k.startswith("clust"))]
        n = sum(r["weights"] for r in pruned)
        self.stages.append(dict(label="int8", calibration=_cal(c, d), **m,
                                sparsity_pruned_layers=sum(r["zeros"] for r in pruned) / n
                                if n else None))
        self.notes.append("flash is as `build` stores it by default (--weights auto): layers "
                          "with half zeros or more sparse, with at most 16 values per channel "
                          "as a palette, where that saves flash; the .tflite itself stays "
                          "dense (its gzip size shows the rest)")

    def _measure(self, tflite: Path) -> dict:
        return measure_int8(self.tf, tflite.read_bytes(), self.d.x_eval, self.task.score,
                            self.names)


# ---------------------------------------------------------------- options and files

def _check_options(factorize, prune, structure, qat, cluster, epochs, batch_size, lr, split):
    """Validate the options; returns the M:N pair (non-zeros M, group N) or None."""
    if prune is not None and not 0 < prune < 1:
        raise TinyDeployError(f"--prune takes the target sparsity as a fraction between 0 and "
                              f"1, e.g. 0.5 for 50% zero weights (got {prune})")
    m_by_n = None
    if structure is not None:
        m = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", str(structure))
        if not m or not 0 < int(m[1]) < int(m[2]):
            raise TinyDeployError(f"--prune-structure takes M:N with 0 < M < N, e.g. 2:4 = at "
                                  f"most 2 non-zero weights in every 4 (got {structure!r})")
        if prune is not None:
            raise TinyDeployError("give --prune or --prune-structure, not both (M:N fixes the "
                                  "sparsity at 1 - M/N)")
        m_by_n = (int(m[1]), int(m[2]))
    if cluster is not None and (int(cluster) != cluster or not 2 <= cluster <= 256):
        raise TinyDeployError(f"--cluster takes the number of weight values per layer, "
                              f"2..256 (got {cluster})")
    if factorize is None and prune is None and m_by_n is None and cluster is None and not qat:
        raise TinyDeployError("nothing to do: give --factorize, --prune, --prune-structure, "
                              "--cluster and/or --qat")
    for name, v, ok in (("--epochs", epochs, int(epochs) == epochs and epochs >= 1),
                        ("--batch-size", batch_size, int(batch_size) == batch_size
                         and batch_size >= 1),
                        ("--learning-rate", lr, lr > 0),
                        ("--validation-split", split, 0 <= split < 1)):
        if not ok:
            raise TinyDeployError(f"{name}: invalid value {v}")
    return m_by_n


def out_paths(out: Path, qat: bool) -> tuple[Path, Path, Path]:
    """(the Keras model, its NAME.tflite, its NAME.report.json) for `-o OUT`, or a
    TinyDeployError for an output the model cannot be saved as."""
    if out.is_dir():
        raise TinyDeployError(f"output {out} is a directory; pass a file like model_opt.h5")
    suffix = out.suffix.lower()
    if suffix not in (".h5", ".hdf5", ".keras"):
        raise TinyDeployError(f"output {out.name}: give a .h5 file (or .keras without --qat); "
                              "the int8 .tflite and the report are written beside it")
    if suffix == ".keras" and qat:
        raise TinyDeployError(f"output {out.name}: tfmot QAT models cannot be reloaded from "
                              f".keras; give -o {out.with_suffix('.h5').name} instead (the int8 .tflite "
                              "and the report are written beside it)")
    return out, out.with_suffix(".tflite"), out.with_name(out.stem + ".report.json")


def save_atomic(model, path: Path) -> None:
    """Save a Keras model so that PATH is either the old file or the whole new one."""
    from ..writer import atomic_path
    from .tfenv import native_stderr
    with atomic_path(path) as tmp, native_stderr(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "HDF5 is legacy"
        try:
            model.save(tmp)
        except (ValueError, TypeError, NotImplementedError) as exc:
            raise ModelError(f"cannot save the optimized model as {path.name}: "
                             f"{(str(exc).splitlines() or [''])[0][:200]}") from None


def _cal(conv_report: dict, d) -> str:
    """convert's calibration note, naming the real data instead of our temporary file."""
    return conv_report["calibration"].replace("calibration.npz:x", d.desc["train"])


def _has_kernel(layer) -> bool:
    return any(getattr(layer, a, None) is not None for a in ("kernel", "depthwise_kernel"))


# ---------------------------------------------------------------- training and scoring

class _Trainer:
    """Compile + fit one stage with seeded, per-epoch progress; score a model."""

    def __init__(self, tfk, d: Data, task: Task, lr, epochs, batch_size, seed, say):
        self.tfk, self.d, self.task, self.lr = tfk, d, task, lr
        self.epochs, self.batch_size, self.seed, self.say = epochs, batch_size, seed, say

    def __call__(self, model, label: str, callbacks=()) -> float:
        tfk, say, epochs = self.tfk, self.say, self.epochs

        class Progress(tfk.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                figures = ", ".join(f"{k} {v * 100:.1f}%" if "acc" in k else f"{k} {v:.4f}"
                                    for k, v in (logs or {}).items())
                say(f"{label} epoch {epoch + 1}/{epochs}: {figures}")

        t = time.monotonic()
        tfk.utils.set_random_seed(self.seed)
        model.compile(optimizer=tfk.optimizers.Adam(self.lr), loss=self.task.loss,
                      metrics=self.task.metrics)
        val = (self.d.x_val, self.d.y_val) if self.d.x_val is not None else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(self.d.x_train, self.d.y_train, batch_size=self.batch_size,
                      epochs=epochs, validation_data=val, shuffle=True, verbose=0,
                      callbacks=[*callbacks, Progress()])
        return round(time.monotonic() - t, 1)

    def stage(self, label: str, model, **extra) -> dict:
        pred = model.predict(self.d.x_eval, batch_size=256, verbose=0)
        sparsity, levels = kernel_sparsity(model)
        return dict(label=label, **self.task.score(pred), **keras_cost(model),
                    sparsity=sparsity, max_levels=levels, **extra)
