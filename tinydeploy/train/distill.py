"""The `distill` stage: a small student learns from a bigger teacher (knowledge distillation).

Contract: `distill_model(teacher, data, out, student=PATH | student_arch=FAMILY, ...)` trains
the student twice from the same initial weights, on the same split, with the same seed and
epochs: once alone (cross-entropy on the labels) and once distilled, writes the distilled
student to `out` (.h5 or .keras, tf_keras: `optimize` and `convert` take it as it is), its
int8 .tflite beside it (`out` with suffix .tflite) and the report as `<stem>.report.json`,
and returns the report; or raises a TinyDeployError subclass with one line, before any
training when it can.

The loss and the training loop are in distill_loop.py; `teacher_logits` and `fit_distilled`
serve the search (a trial trains its student from the teacher's logits).
"""
from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..data import top1
from ..errors import DataError, ModelError, TinyDeployError
from .distill_loop import DistillLoop, Logits, as_list, match_scale
from .distill_report import format_distill_report
from .optimize import out_paths, save_atomic

__all__ = ["distill_model", "fit_distilled", "format_distill_report", "teacher_logits"]

EPOCHS, BATCH_SIZE, LEARNING_RATE, VALIDATION_SPLIT = 10, 32, 1e-3, 0.1
TEMPERATURE, ALPHA, STANDARDIZE = 2.0, 0.5, True


def distill_model(teacher_path, data, out_path, *, student=None, student_arch=None,
                  knobs=None, temperature=TEMPERATURE, alpha=ALPHA, epochs=EPOCHS,
                  batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE,
                  validation_split=VALIDATION_SPLIT, seed=0, features=(), samples=200,
                  standardize=STANDARDIZE,
                  progress: Callable[[str], None] | None = None) -> dict:
    """Distil (see module docstring). `data` as for optimize; `features`: "LAYER_T:LAYER_S"
    strings; `knobs` for `student_arch` (see families.py)."""
    say = progress or (lambda msg: None)
    t0 = time.monotonic()
    pairs = _check_options(student, student_arch, temperature, alpha, epochs, batch_size,
                           learning_rate, validation_split, features)
    teacher_path = Path(teacher_path)
    out, tfl_path, json_path = out_paths(Path(out_path), False)
    if student_arch is not None:
        from .families import _family
        _family(student_arch)
    from ..writer import write_bytes_atomic
    from . import tfmot_compat as tc
    from .tfenv import import_tf
    tf = import_tf()
    tfmot = tc.import_tfmot()
    import tf_keras as tfk

    m = _load(tf, tfmot, tfk, teacher_path, data, validation_split, seed, student,
              student_arch, knobs, say)
    d, ids, teacher, smodel = m["data"], m["ids"], m["teacher"], m["student"]
    say(f"teacher: computing its logits on {len(d.x_train)} training samples")
    t_out = Logits(tfk, teacher, "teacher")
    t_train = _teacher_targets(tfk, teacher, t_out, pairs, d.x_train)
    t_logits = t_out.fix(t_train[0])
    t_out.restore()
    teacher_acc = top1(teacher.predict(d.x_eval, batch_size=256, verbose=0), ids["eval"])

    s_out = Logits(tfk, smodel, "student")
    s_feats = [_output(tfk, smodel, smodel.get_layer(n) if n in _names(smodel)
                       else _no_layer(smodel, n, "student")) for _, n in pairs]
    s_model = tfk.Model(smodel.inputs, [s_out.tensor, *s_feats])
    projs = [_projection(tfk, ls.shape, tt.shape, f"{a}:{b}")
             for ls, tt, (a, b) in zip(s_feats, t_train[1:], pairs)]
    loop = DistillLoop(tf, tfk, s_model, d, ids, t_logits, t_train[1:], projs, temperature,
                       batch_size, epochs, learning_rate, seed, say, standardize)
    runs, scale_note = _train_twice(tf, loop, smodel, s_out, alpha, standardize, samples, seed,
                                    say)
    say(f"writing {out}")
    save_atomic(smodel, out)
    runs["distilled"].update(_int8(tf, out, tfl_path, d, ids, samples, seed, say))
    report = dict(
        model=str(teacher_path), output=str(out), tflite=str(tfl_path), report=str(json_path),
        data=d.desc, method="logit distillation (Hinton et al. 2015)"
        + (" on standardized logits (Sun et al. 2024)" if standardize else "")
        + " in a custom tf_keras training loop" + (", plus feature MSE" if pairs else ""),
        teacher=dict(model=str(teacher_path), keras=m["t_kind"],
                     params=int(teacher.count_params()), float_accuracy=teacher_acc,
                     logits=t_out.how),
        student=dict(source=m["s_desc"], keras=m["s_kind"], params=int(smodel.count_params()),
                     logits=s_out.how),
        alone=runs["alone"], distilled=runs["distilled"], logit_scale=scale_note,
        options=dict(temperature=temperature, alpha=alpha, epochs=epochs,
                     batch_size=batch_size, learning_rate=learning_rate,
                     validation_split=validation_split, seed=seed, standardize=standardize,
                     features=[f"{a}:{b}" for a, b in pairs], samples=samples),
        seconds=round(time.monotonic() - t0, 1))
    report["summary"] = _summary(report)
    write_bytes_atomic(json_path, (json.dumps(report, indent=2) + "\n").encode())
    return report


def _load(tf, tfmot, tfk, teacher_path, data, split, seed, student, arch, knobs, say) -> dict:
    """The teacher, the data split with its class ids, and the student (built from its family
    or loaded, seeded), checked against each other."""
    from .convert import class_ids
    from .keras3_rebuild import load_for_tfmot
    from .training_data import load_data
    say(f"loading teacher {teacher_path.name}")
    teacher, t_kind, _, _ = load_for_tfmot(tf, tfmot, teacher_path)
    classes = int(np.prod(teacher.output_shape[1:]))
    if classes < 2:
        raise ModelError(f"teacher {teacher_path.name} has {classes} output(s); distill needs "
                         "a classifier with one output per class")
    try:
        d = load_data(data, teacher, split, seed)
    except DataError as exc:
        raise DataError(str(exc).replace("optimize trains", "distill trains")) from None
    ids = {k: class_ids(y, classes, d.desc[k]) for k, y in
           (("train", d.y_train), ("val", d.y_val), ("eval", d.y_eval)) if y is not None}
    tfk.utils.set_random_seed(seed)
    if arch is not None:
        from .families import build
        smodel = build(arch, tuple(teacher.input_shape[1:]), classes, knobs)
        s_desc, s_kind = f"family {arch} {_knobs(arch, knobs)}", "tf_keras"
    else:
        smodel, s_kind, _, _ = load_for_tfmot(tf, tfmot, Path(student))
        s_desc = str(student)
    _check_student(teacher, smodel, teacher_path.name)
    return dict(data=d, ids=ids, teacher=teacher, t_kind=t_kind, student=smodel,
                s_kind=s_kind, s_desc=s_desc)


def _teacher_targets(tfk, teacher, t_out, pairs, x) -> list[np.ndarray]:
    """The teacher's outputs on `x` (computed once: it is fixed): its logits' tensor, then
    the layer of each --feature pair."""
    feat_t = [teacher.get_layer(n) if n in _names(teacher) else _no_layer(teacher, n, "teacher")
              for n, _ in pairs]
    t_model = tfk.Model(teacher.inputs, [t_out.tensor, *[_output(tfk, teacher, lay)
                                                          for lay in feat_t]])
    return [np.asarray(a) for a in as_list(t_model.predict(x, batch_size=256, verbose=0))]


def _train_twice(tf, loop, smodel, s_out, alpha, standardize, samples, seed, say):
    """The student trained alone, then distilled, from the same initial weights; the alone
    run scored in int8 too. Returns ({"alone", "distilled"}: results, the logit-scale note
    or None); the distilled student stays in `smodel`."""
    d, ids = loop.d, loop.ids
    w0 = smodel.get_weights()
    runs, scale_note = {}, None
    for label, a, feats in (("alone", 1.0, False), ("distilled", alpha, True)):
        smodel.set_weights(w0)
        seconds = loop.run(label, a, feats)
        if label == "distilled" and standardize and alpha < 1:
            scale_note = match_scale(loop.tfk, loop.model, s_out, d.x_train, loop.t_logits)
        s_out.restore()
        runs[label] = dict(float_accuracy=top1(smodel.predict(d.x_eval, batch_size=256,
                                                              verbose=0), ids["eval"]),
                           seconds=seconds)
        if label == "alone":
            with tempfile.TemporaryDirectory(prefix="tinydeploy-kd-") as work:
                alone_path = Path(work) / "student_alone.h5"
                save_atomic(smodel, alone_path)
                runs[label].update(_int8(tf, alone_path, Path(work) / "alone.tflite", d,
                                         ids, samples, seed, say))
            s_out.swap()
    return runs, scale_note


# ---------------------------------------------------------------- checks

def _check_options(student, arch, temperature, alpha, epochs, batch_size, lr, split, features):
    if (student is None) == (arch is None):
        raise TinyDeployError("give the student as --student FILE (.keras/.h5) or as "
                              "--student-arch FAMILY, exactly one of them")
    for name, v, ok in (("--temperature", temperature, temperature > 0),
                        ("--alpha", alpha, 0 <= alpha <= 1),
                        ("--epochs", epochs, int(epochs) == epochs and epochs >= 1),
                        ("--batch-size", batch_size, int(batch_size) == batch_size
                         and batch_size >= 1),
                        ("--learning-rate", lr, lr > 0),
                        ("--validation-split", split, 0 <= split < 1)):
        if not ok:
            raise TinyDeployError(f"{name}: invalid value {v}" + (
                " (the weight of the label loss, 0..1)" if name == "--alpha" else ""))
    pairs = []
    for f in features or ():
        a, sep, b = str(f).partition(":")
        if not sep or not a.strip() or not b.strip():
            raise TinyDeployError(f"--feature takes TEACHER_LAYER:STUDENT_LAYER (got {f!r})")
        pairs.append((a.strip(), b.strip()))
    return pairs


def _check_student(teacher, student, tname):
    ti, si = tuple(teacher.input_shape[1:]), tuple(student.input_shape[1:])
    if ti != si:
        raise ModelError(f"student input {list(si)} differs from teacher {tname}'s "
                         f"{list(ti)}; both must take the same data")
    to, so = tuple(teacher.output_shape[1:]), tuple(student.output_shape[1:])
    if int(np.prod(to)) != int(np.prod(so)) or len(so) != 1:
        raise ModelError(f"student output {list(so)} does not match teacher {tname}'s "
                         f"{list(to)}; the student needs one output per teacher class")


def _names(model):
    return {lay.name for lay in model.layers}


def _no_layer(model, name, who):
    some = ", ".join(lay.name for lay in model.layers[1:9])
    raise ModelError(f"--feature: the {who} has no layer {name!r} (its layers: {some}"
                     f"{', ...' if len(model.layers) > 9 else ''})")


def _output(tfk, model, layer):
    """`layer`'s output in `model`'s own graph (a layer called in several graphs, as in
    Keras 3 models rebuilt as tf_keras, has one node per call)."""
    for node in reversed(layer._inbound_nodes):
        out = node.outputs
        try:
            tfk.Model(model.inputs, out)
            return out
        except ValueError:
            continue
    raise ModelError(f"--feature: layer {layer.name!r} is not connected to the model's input")


def _projection(tfk, s_shape, t_shape, pair):
    s, t = tuple(s_shape[1:]), tuple(t_shape[1:])
    if s[:-1] != t[:-1]:
        raise ModelError(f"--feature {pair}: shapes {list(t)} (teacher) and {list(s)} "
                         "(student) differ other than in the channel (last) axis")
    if s[-1] == t[-1]:
        return None
    proj = tfk.layers.Dense(int(t[-1]), use_bias=False)
    proj.build((None, *s))
    return proj


def _knobs(family, knobs):
    from .families import FAMILIES
    full = {**FAMILIES[family].defaults, **(knobs or {})}
    return " ".join(f"{k}={v}" for k, v in full.items())


# ---------------------------------------------------------------- for the search

def teacher_logits(teacher_path, x: np.ndarray, input_shape: tuple, classes: int):
    """The teacher's pre-softmax logits on `x` (float32 [N, classes]) and its model, checked
    against the data's input shape and class count; one-line ModelError otherwise."""
    from . import tfmot_compat as tc
    from .keras3_rebuild import load_for_tfmot
    from .tfenv import import_tf
    tf = import_tf()
    import tf_keras as tfk
    teacher, _, _, _ = load_for_tfmot(tf, tc.import_tfmot(), Path(teacher_path))
    name = Path(teacher_path).name
    if tuple(teacher.input_shape[1:]) != tuple(input_shape):
        raise ModelError(f"teacher {name} takes input {list(teacher.input_shape[1:])}, the data "
                         f"has {list(input_shape)}; give a teacher trained on this data")
    if int(np.prod(teacher.output_shape[1:])) != classes:
        raise ModelError(f"teacher {name} has {int(np.prod(teacher.output_shape[1:]))} outputs, "
                         f"the data has {classes} classes")
    out = Logits(tfk, teacher, "teacher")
    logits = out.fix(np.asarray(as_list(tfk.Model(teacher.inputs, out.tensor).predict(
        x, batch_size=256, verbose=0))[0]))
    out.restore()
    return logits, teacher


def fit_distilled(student, x_train, y_train, t_logits, *, x_val=None, y_val=None,
                  temperature=None, alpha=None, epochs=EPOCHS, batch_size=BATCH_SIZE,
                  learning_rate=LEARNING_RATE, seed=0, standardize=STANDARDIZE, on_epoch=None,
                  progress=None) -> float:
    """Train the tf_keras classifier `student` in place with the distillation loss against
    `t_logits` (teacher logits for x_train; y_* class ids). `on_epoch(epoch, val_accuracy)`
    may return True to stop early. Returns the training seconds."""
    from types import SimpleNamespace

    from .tfenv import import_tf
    tf = import_tf()
    import tf_keras as tfk
    s_out = Logits(tfk, student, "student")
    try:
        ids = {"train": np.asarray(y_train)}
        if x_val is not None:
            ids["val"] = np.asarray(y_val)
        d = SimpleNamespace(x_train=x_train, x_val=x_val)
        loop = DistillLoop(tf, tfk, tfk.Model(student.inputs, s_out.tensor), d, ids,
                     np.asarray(t_logits, np.float32), [], [],
                     TEMPERATURE if temperature is None else temperature, batch_size, epochs,
                     learning_rate, seed, progress or (lambda msg: None), standardize)
        seconds = loop.run("distilled", ALPHA if alpha is None else alpha, False, on_epoch)
        if standardize and (ALPHA if alpha is None else alpha) < 1:
            match_scale(tfk, loop.model, s_out, x_train, t_logits)
        return seconds
    finally:
        s_out.restore()


def _int8(tf, keras_path: Path, tfl_path: Path, d, ids, samples, seed, say) -> dict:
    """Convert with convert_model and score the int8 model with the generated C."""
    from .convert import convert_model
    from .report import measure_int8
    with tempfile.TemporaryDirectory(prefix="tinydeploy-kd-") as work:
        cal = Path(work) / "calibration.npz"
        np.savez(cal, x=d.x_train)
        say(f"converting {keras_path.name} to int8")
        convert_model(keras_path, cal, tfl_path, samples=samples, seed=seed)
    say(f"scoring {tfl_path.name} with the generated C on the host")
    m = measure_int8(tf, tfl_path.read_bytes(), d.x_eval,
                     lambda out: dict(accuracy=top1(out, ids["eval"])))
    return dict(int8_accuracy=m["accuracy"], tflite_bytes=m["size_bytes"],
                arena_bytes=m["arena_bytes"], flash_bytes=m["flash_bytes"],
                scored_by=m["scored_by"])


def _summary(r: dict) -> str:
    a, k = r["alone"], r["distilled"]
    gain = (k["float_accuracy"] - a["float_accuracy"]) * 100
    return (f"distilled student {k['float_accuracy']:.1%} float / {k['int8_accuracy']:.1%} "
            f"int8 vs {a['float_accuracy']:.1%} / {a['int8_accuracy']:.1%} trained alone "
            f"({gain:+.1f} points float; teacher {r['teacher']['float_accuracy']:.1%}, "
            f"{r['student']['params']} vs {r['teacher']['params']} params)")
