"""Training data and the loss for the `optimize` stage (optimize.py).

Contract: `load_data(spec, model, split, seed)` -> `Data`: float32 training arrays, validation
arrays (x_val/y_val, else a seeded `split` of the training data, else none) and scoring arrays
(x_test/y_test, else the validation data, else the training data; at most MAX_EVAL seeded
samples), with descriptions for the report. `spec`: a .npz path (x_train/y_train or x/y,
optional x_val/y_val and x_test/y_test) or "module:function" / "file.py:function" returning
(x, y) arrays, a dict of arrays like the .npz, a finite tf.data.Dataset of (x, y), or a pair
(train_dataset, val_dataset). `Task(tf_keras, model, data, loss, metrics, compiled)`: the loss
and metrics (given, from the model's compile state, or inferred from labels and the output
activation), `check()` before training and `score()` of predictions. Bad data or a loss that
does not fit raises a one-line DataError / TinyDeployError. TensorFlow is imported only to
read a tf.data.Dataset.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path

import numpy as np

from ..data import check_arrays, load_arrays
from ..errors import DataError, TinyDeployError

__all__ = ["Data", "Task", "load_data", "MAX_EVAL"]

MAX_EVAL = 5000


class Data:
    """Training, validation and scoring arrays, plus descriptions for the report."""

    def __init__(self, train, val, evaluate, desc):
        (self.x_train, self.y_train), (self.x_val, self.y_val) = train, val or (None, None)
        self.x_eval, self.y_eval = evaluate
        self.desc = desc


def load_data(spec, model, split: float, seed: int) -> Data:
    from .convert import match_shape
    rank = len(model.input_shape) - 1
    arrays, name = read_spec(spec, rank)

    def pair(xk, yk):
        if xk not in arrays:
            return None
        x, y, _ = check_arrays(arrays[xk], arrays.get(yk), name, f"{name}:{xk}", f"{name}:{yk}")
        match_shape(model.input_shape[1:], x.shape[1:], f"{name}:{xk}", "the model")
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
    return Data(train, val, evaluate, desc)


def read_spec(spec, rank: int) -> tuple[dict, str]:
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


# ---------------------------------------------------------------- loss and metrics

class Task:
    """Loss and metrics (given, from the compile state, or inferred) and the scoring."""

    def __init__(self, tfk, model, d: Data, loss, metrics, compiled):
        from .convert import class_ids
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
                                  "give a Keras loss name like sparse_categorical_crossentropy"
                                  ) from None
        self.desc = f"{_loss_name(ident)} ({src})"
        if metrics is None and compiled:
            metrics = [m for m in _flat(compiled.get("metrics")) if isinstance(m, str)] or None
        self.metrics = list(metrics) if metrics else (["accuracy"] if onehot or ids else ["mae"])
        self.ids = class_ids(d.y_eval, classes, d.desc["eval"]) if onehot or ids else None
        self.y_eval = d.y_eval

    def check(self, model, d: Data) -> None:
        """Fail early (before training) if the loss does not fit the labels and outputs."""
        try:
            self.score(model.predict(d.x_eval[:2], verbose=0), d.y_eval[:2])
        except Exception as exc:  # noqa: BLE001 - TF shape errors: one line
            raise DataError(f"loss {self.desc} does not fit labels of shape "
                            f"{list(d.y_eval.shape[1:])} and model outputs "
                            f"{list(model.output_shape[1:])} per sample "
                            f"({(str(exc).splitlines() or [''])[0][:150]}); give --loss") from None

    def score(self, pred, y=None) -> dict:
        from ..data import top1
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
