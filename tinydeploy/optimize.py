"""The `optimize` stage: pruning, clustering and quantization-aware training with tfmot, then
an int8 .tflite and a report of what each step bought.

Contract: `optimize_model(model, data, out, ...)` writes the optimized Keras model to `out`
(.h5, or .keras without QAT: tfmot QAT models do not reload from .keras), the int8 .tflite
beside it (`out` with suffix .tflite, converted by convert_model from `out`, so `tinydeploy
convert` takes `out` as it is) and the report as `<stem>.report.json`, and returns that report;
or raises a TinyDeployError subclass with one line, before any training when it can.

Order of the steps: prune (polynomial schedule 0 -> target over the first 70% of the
steps, or M:N) -> strip -> cluster (sparsity-preserving after pruning) -> strip -> QAT
(PQAT after pruning, CQAT/PCQAT after clustering, so sparsity and clusters survive) ->
save -> convert. Every stage is scored on the held-out data (x_test/y_test, else the
validation data); the int8 models with the generated C on the host (tinydeploy predict).
With `baseline` the original model is also converted without optimization (plain PTQ).
Keras 3 models are rebuilt as tf_keras first (tfmot_compat.py); TF is imported lazily.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import math
import os
import re
import secrets
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from .data import _check, load_arrays
from .errors import DataError, ModelError, TinyDeployError
from .optimize_report import (format_optimize_report, kernel_sparsity, measure_int8,
                              summary_line)

__all__ = ["optimize_model", "format_optimize_report"]

EPOCHS, BATCH_SIZE, LEARNING_RATE, VALIDATION_SPLIT = 4, 32, 1e-3, 0.1
MAX_EVAL = 5000


def optimize_model(model_path, data, out_path, *, prune: float | None = None,
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
    every N consecutive ones (along input channels). Returns the JSON-able report."""
    say = progress or (lambda msg: None)
    t0 = time.monotonic()
    m_by_n = _check_options(prune, prune_structure, qat, cluster, epochs, batch_size,
                            learning_rate, validation_split)
    model_path = Path(model_path)
    out, tfl_path, json_path = _out_paths(Path(out_path), qat)
    from .convert import _write_atomic
    from .tfenv import import_tf
    from . import tfmot_compat as tc
    tf = import_tf()
    tfmot = tc.import_tfmot()
    import tf_keras

    say(f"loading {model_path.name}")
    model, kind, compiled, notes = tc.load_for_tfmot(tf, tfmot, model_path)
    tf_keras.utils.set_random_seed(seed)
    d = _load_data(data, model, validation_split, seed)
    task = _Task(tf_keras, model, d, loss, metrics, compiled)
    task.check(model, d)
    pruning = prune is not None or m_by_n is not None
    rows = tc.unsupported(tfmot, model, prune=pruning, m_by_n=m_by_n,
                          cluster=cluster is not None, qat=qat)
    if rows and not skip_unsupported:
        raise ModelError(f"{model_path.name}: {tc.skip_message(rows)}; re-run with "
                         "--skip-unsupported to optimize the other layers")
    if rows:
        say(f"skipping: {tc.skip_message(rows, skipping=True)}")
        notes.append(tc.skip_message(rows, skipping=True))

    run = _Run(tf, tfmot, tf_keras, model, d, task, notes, say,
               _Trainer(tf_keras, d, task, learning_rate, epochs, batch_size, seed, say))
    if pruning:
        run.prune(prune, prune_structure, m_by_n)
    if cluster is not None:
        run.cluster(cluster, preserve_sparsity=pruning)
    if qat:
        run.qat(cluster is not None, pruning, {r["layer"] for r in rows
                                                 if r["technique"] == "qat"})
    say(f"writing {out}")
    _save_atomic(run.model, out)
    run.convert(model_path if baseline else None, out, tfl_path, samples, seed)
    what = " + ".join(w for w in (
        f"prune {prune:.0%}" if prune is not None else None,
        f"prune {prune_structure}" if m_by_n else None,
        f"cluster {cluster}" if cluster is not None else None,
        run.stages[-2]["label"] if qat else None) if w) + f", {epochs} epoch(s) per stage"
    report = dict(summary=summary_line(run.stages, what),
                  model=str(model_path), keras=kind, output=str(out), tflite=str(tfl_path),
                  report=str(json_path), data=d.desc, loss=task.desc, metrics=task.metrics,
                  options=dict(prune=prune, prune_structure=prune_structure, qat=qat,
                               cluster=cluster, epochs=epochs, batch_size=batch_size,
                               learning_rate=learning_rate, validation_split=validation_split,
                               seed=seed, skip_unsupported=skip_unsupported),
                  skipped=rows, stages=run.stages, notes=notes,
                  seconds=round(time.monotonic() - t0, 1))
    _write_atomic(json_path, (json.dumps(report, indent=2) + "\n").encode())
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
        pruned = [r for r in m["layers"] if any(r["layer"] in v for k, v in self.applied.items()
                                                  if k != "QAT" and not k.startswith("clust"))]
        n = sum(r["weights"] for r in pruned)
        self.stages.append(dict(label="int8", calibration=_cal(c, d), **m,
                                sparsity_pruned_layers=sum(r["zeros"] for r in pruned) / n
                                if n else None))
        self.notes.append("tinydeploy stores int8 weights dense: zeros and clusters do not "
                          "shrink the .tflite or flash; they show in the gzip size (storage, "
                          "updates over the air)")

    def _measure(self, tflite: Path) -> dict:
        return measure_int8(self.tf, tflite.read_bytes(), self.d.x_eval, self.task.score,
                            self.names)


# ---------------------------------------------------------------- options and files

def _check_options(prune, structure, qat, cluster, epochs, batch_size, lr, split):
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
    if prune is None and m_by_n is None and cluster is None and not qat:
        raise TinyDeployError("nothing to do: give --prune, --prune-structure, --cluster "
                              "and/or --qat")
    for name, v, ok in (("--epochs", epochs, int(epochs) == epochs and epochs >= 1),
                        ("--batch-size", batch_size, int(batch_size) == batch_size
                         and batch_size >= 1),
                        ("--learning-rate", lr, lr > 0),
                        ("--validation-split", split, 0 <= split < 1)):
        if not ok:
            raise TinyDeployError(f"{name}: invalid value {v}")
    return m_by_n


def _out_paths(out: Path, qat: bool):
    if out.is_dir():
        raise TinyDeployError(f"output {out} is a directory; pass a file like model_opt.h5")
    suffix = out.suffix.lower()
    if suffix not in (".h5", ".hdf5", ".keras"):
        raise TinyDeployError(f"output {out.name}: give a .h5 file (or .keras without --qat); "
                              "the int8 .tflite and the report are written beside it")
    if suffix == ".keras" and qat:
        raise TinyDeployError(f"output {out.name}: tfmot QAT models cannot be reloaded from "
                              ".keras; give a .h5 file")
    return out, out.with_suffix(".tflite"), out.with_name(out.stem + ".report.json")


def _save_atomic(model, path: Path) -> None:
    from .tfenv import native_stderr
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.stem}.{secrets.token_hex(4)}.part{path.suffix}"
    try:
        with native_stderr(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "HDF5 is legacy"
            try:
                model.save(tmp)
            except (ValueError, TypeError, NotImplementedError) as exc:
                raise ModelError(f"cannot save the optimized model as {path.name}: "
                                 f"{(str(exc).splitlines() or [''])[0][:200]}") from None
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _cal(conv_report: dict, d) -> str:
    """convert's calibration note, naming the real data instead of our temporary file."""
    return conv_report["calibration"].replace("calibration.npz:x", d.desc["train"])


def _has_kernel(layer) -> bool:
    return any(getattr(layer, a, None) is not None for a in ("kernel", "depthwise_kernel"))


# ---------------------------------------------------------------- data

class _Data:
    """Training, validation and scoring arrays, plus descriptions for the report."""

    def __init__(self, train, val, evaluate, desc):
        (self.x_train, self.y_train), (self.x_val, self.y_val) = train, val or (None, None)
        self.x_eval, self.y_eval = evaluate
        self.desc = desc


def _load_data(spec, model, split: float, seed: int) -> _Data:
    from .convert import _match_shape
    rank = len(model.input_shape) - 1
    arrays, name = _read_spec(spec, rank)

    def pair(xk, yk):
        if xk not in arrays:
            return None
        x, y, _ = _check(arrays[xk], arrays.get(yk), name, f"{name}:{xk}", f"{name}:{yk}")
        _match_shape(model.input_shape[1:], x.shape[1:], f"{name}:{xk}", "the model")
        return (x.astype(np.float32, copy=False), y) if y is not None else None

    train = pair("x_train", "y_train") or pair("x", "y")
    if train is None:
        raise DataError(f"{name}: no labelled training data; optimize trains, so give "
                        f"x_train/y_train (or x/y) (found: {', '.join(arrays) or 'nothing'})")
    tk = "x_train" if "x_train" in arrays else "x"
    val, test = pair("x_val", "y_val"), pair("x_test", "y_test")
    desc = dict(train=f"{name}:{tk} ({len(train[0])})", val=None, eval=None)
    if val is not None:
        desc["val"] = f"{name}:x_val ({len(val[0])})"
    elif split > 0 and int(round(len(train[0]) * split)) >= 1:
        idx = np.random.default_rng(seed).permutation(len(train[0]))
        n_val = int(round(len(idx) * split))
        val = (train[0][idx[:n_val]], train[1][idx[:n_val]])
        train = (train[0][idx[n_val:]], train[1][idx[n_val:]])
        desc.update(train=f"{name}:{tk} ({len(train[0])})",
                    val=f"{split:.0%} of {name}:{tk} ({n_val}, seeded)")
    evaluate = test or val or train
    desc["eval"] = (f"{name}:x_test ({len(test[0])})" if test else
                    desc["val"] if val else desc["train"] + " (training data: no held-out set)")
    if len(evaluate[0]) > MAX_EVAL:
        idx = np.sort(np.random.default_rng(seed).choice(len(evaluate[0]), MAX_EVAL, False))
        evaluate = (evaluate[0][idx], evaluate[1][idx])
        desc["eval"] += f", {MAX_EVAL} seeded samples"
    return _Data(train, val, evaluate, desc)


def _read_spec(spec, rank: int) -> tuple[dict, str]:
    """({key: array}, name) from a .npz path or a module:function."""
    p = Path(str(spec))
    if p.suffix.lower() in (".npz", ".npy") or p.exists():
        if p.suffix.lower() == ".npy":
            raise DataError(f"{p.name}: optimize trains, so it needs labels; give a .npz with "
                            "x_train/y_train (optional x_val/y_val, x_test/y_test) or x/y")
        load_arrays(p)  # existence, container magic, no pickles, numeric dtypes
        with np.load(p, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}, p.name
    m = re.fullmatch(r"(.+):([A-Za-z_]\w*)", str(spec))
    if not m:
        raise DataError(f"unknown data '{spec}': give a .npz file (x_train/y_train, optional "
                        "x_val/y_val and x_test/y_test, or x/y) or a Python module:function "
                        "returning arrays or a tf.data.Dataset")
    fn = _import_function(m[1], m[2], str(spec))
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - user code: one line, no traceback
        raise DataError(f"{spec}() raised {type(exc).__name__}: "
                        f"{(str(exc).splitlines() or [''])[0][:200]}") from None
    return _from_result(result, str(spec), rank), str(spec)


def _import_function(module: str, func: str, spec: str):
    try:
        if module.endswith(".py"):
            where = importlib.util.spec_from_file_location(Path(module).stem, module)
            if where is None or not Path(module).exists():
                raise ImportError(f"no such file {module}")
            mod = importlib.util.module_from_spec(where)
            where.loader.exec_module(mod)
        else:
            sys.path.insert(0, os.getcwd())
            try:
                mod = importlib.import_module(module)
            finally:
                sys.path.remove(os.getcwd())
    except Exception as exc:  # noqa: BLE001
        raise DataError(f"data '{spec}': cannot import {module} ({type(exc).__name__}: "
                        f"{(str(exc).splitlines() or [''])[0][:200]})") from None
    fn = getattr(mod, func, None)
    if not callable(fn):
        raise DataError(f"data '{spec}': {module} has no function {func}")
    return fn


def _from_result(res, spec: str, rank: int) -> dict:
    def is_ds(v):
        return type(v).__module__.startswith("tensorflow") and hasattr(v, "as_numpy_iterator")
    if isinstance(res, dict):
        return {k: np.asarray(v) for k, v in res.items()}
    if is_ds(res):
        return dict(zip(("x_train", "y_train"), _materialize(res, rank, spec)))
    if isinstance(res, (tuple, list)) and len(res) == 2:
        if all(is_ds(v) for v in res):
            return dict(zip(("x_train", "y_train", "x_val", "y_val"),
                            (*_materialize(res[0], rank, spec), *_materialize(res[1], rank, spec))))
        return {"x": np.asarray(res[0]), "y": np.asarray(res[1])}
    raise DataError(f"{spec} returned {type(res).__name__}; return (x, y) arrays, a dict of "
                    "arrays like an .npz, a tf.data.Dataset of (x, y) or (train_ds, val_ds)")


def _materialize(ds, rank: int, spec: str):
    import tensorflow as tf
    if int(ds.cardinality()) == int(tf.data.INFINITE_CARDINALITY):
        raise DataError(f"{spec}: the dataset is infinite (.repeat()); return a finite one")
    xs, ys = [], []
    for el in ds.as_numpy_iterator():
        if not (isinstance(el, tuple) and len(el) == 2):
            raise DataError(f"{spec}: dataset elements must be (x, y) pairs")
        x, y = np.asarray(el[0]), np.asarray(el[1])
        batched = x.ndim == rank + 1
        xs.append(x if batched else x[None])
        ys.append(y if batched else y[None])
    if not xs:
        raise DataError(f"{spec}: the dataset is empty")
    return np.concatenate(xs), np.concatenate(ys)


# ---------------------------------------------------------------- loss, training, scoring

class _Task:
    """Loss and metrics (given, from the compile state, or inferred) and the scoring."""

    def __init__(self, tfk, model, d: _Data, loss, metrics, compiled):
        from .convert import _class_ids
        classes = int(np.prod(model.output_shape[1:]))
        y = d.y_train
        integral = y.dtype.kind in "biu" or bool(np.all(np.mod(y, 1) == 0))
        onehot = y.ndim == 2 and y.shape[1] == classes > 1 and set(np.unique(y)) <= {0, 1}
        ids = integral and classes > 1 and y.reshape(len(y), -1).shape[1] == 1
        ident, src = loss, "given"
        if ident is None and compiled and isinstance(compiled.get("loss"), (str, dict)):
            ident, src = _loss_ident(compiled["loss"]), "from the model's compile state"
            try:
                tfk.losses.get(ident)
            except (ValueError, TypeError):  # a custom or Keras-3-only loss: infer instead
                ident = None
        if ident is None:
            act = _output_activation(model)
            if onehot or ids:
                ident = {"class_name": "CategoricalCrossentropy" if onehot
                         else "SparseCategoricalCrossentropy",
                         "config": {"from_logits": act != "softmax"}}
                src = (f"inferred: {'one-hot' if onehot else 'integer'} labels, "
                       f"{act} output")
            elif classes == 1 and integral and set(np.unique(y)) <= {0, 1}:
                ident = {"class_name": "BinaryCrossentropy",
                         "config": {"from_logits": act != "sigmoid"}}
                src = f"inferred: 0/1 labels, {act} output"
            else:
                ident, src = "mean_squared_error", "inferred: real-valued targets"
        try:
            self.loss = tfk.losses.get(ident)
        except (ValueError, TypeError) as exc:
            raise TinyDeployError(f"unknown loss {ident!r} ({str(exc).splitlines()[0][:120]}); "
                                  "give a Keras loss name like sparse_categorical_crossentropy")
        self.desc = f"{_loss_name(ident)} ({src})"
        if metrics is None and compiled:
            metrics = [m for m in _flat(compiled.get("metrics")) if isinstance(m, str)] or None
        self.metrics = list(metrics) if metrics else (["accuracy"] if onehot or ids else ["mae"])
        self.ids = _class_ids(d.y_eval, classes, d.desc["eval"]) if onehot or ids else None
        self.y_eval = d.y_eval

    def check(self, model, d: _Data) -> None:
        """Fail early (before training) if the loss does not fit the labels and outputs."""
        try:
            self.score(model.predict(d.x_eval[:2], verbose=0), d.y_eval[:2])
        except Exception as exc:  # noqa: BLE001 - TF shape errors: one line
            raise DataError(f"loss {self.desc} does not fit labels of shape "
                            f"{list(d.y_eval.shape[1:])} and model outputs "
                            f"{list(model.output_shape[1:])} per sample "
                            f"({(str(exc).splitlines() or [''])[0][:150]}); give --loss") from None

    def score(self, pred, y=None) -> dict:
        from .predict import top1
        full = y is None
        y = self.y_eval if full else y
        pred = np.asarray(pred, np.float32).reshape(len(pred), -1)
        loss = float(np.mean(np.asarray(self.loss(y.reshape(pred.shape) if y.size == pred.size
                                                  else y, pred))))
        acc = top1(pred, self.ids) if self.ids is not None and full else None
        return dict(accuracy=acc, loss=loss)


def _loss_ident(v):
    """A compiled loss as tf_keras takes it: names as they are, Keras 3 classes as configs."""
    if isinstance(v, str):
        return v
    if isinstance(v, dict) and isinstance(v.get("class_name"), str):
        keep = ("from_logits", "label_smoothing", "axis", "ignore_class", "delta")
        cfg = {k: x for k, x in (v.get("config") or {}).items() if k in keep}
        return {"class_name": v["class_name"], "config": cfg}
    return None


def _loss_name(ident) -> str:
    if isinstance(ident, dict):
        cfg = ", ".join(f"{k}={v}" for k, v in ident.get("config", {}).items())
        return ident["class_name"] + (f"({cfg})" if cfg else "")
    return str(ident)


def _flat(v):
    for x in v if isinstance(v, (list, tuple)) else [v] if v is not None else []:
        yield from _flat(x) if isinstance(x, (list, tuple)) else [x]


def _output_activation(model) -> str:
    layer = model.outputs[0]._keras_history.layer
    act = getattr(layer, "activation", None)
    if type(layer).__name__ == "Softmax":
        return "softmax"
    return getattr(act, "__name__", "linear") if act is not None else "linear"


class _Trainer:
    """Compile + fit one stage with seeded, per-epoch progress; score a model."""

    def __init__(self, tfk, d: _Data, task: _Task, lr, epochs, batch_size, seed, say):
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
        return dict(label=label, **self.task.score(pred), sparsity=sparsity,
                    max_levels=levels, **extra)
