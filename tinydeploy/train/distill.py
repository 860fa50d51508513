"""The `distill` stage: a small student learns from a bigger teacher (knowledge distillation).

Contract: `distill_model(teacher, data, out, student=PATH | student_arch=FAMILY, ...)` trains
the student twice from the same initial weights, on the same split, with the same seed and
epochs: once alone (cross-entropy on the labels) and once distilled, writes the distilled
student to `out` (.h5 or .keras, tf_keras: `optimize` and `convert` take it as it is), its
int8 .tflite beside it (`out` with suffix .tflite) and the report as `<stem>.report.json`,
and returns the report; or raises a TinyDeployError subclass with one line, before any
training when it can.

The loss (Hinton et al. 2015), in a small custom training loop (tf.GradientTape):
    alpha * CE(labels, student) + (1 - alpha) * T^2 * KL(softmax(t / T) || softmax(s / T))
    + sum over --feature pairs of MSE(proj(student layer), teacher layer) / mean(teacher^2)
By default t and s in the KL term are standardized per sample ((z - mean) / std over the
classes; Sun et al., "Logit Standardization in Knowledge Distillation", CVPR 2024): the
student matches the shape of the teacher's logits, not their scale, which a small student
trained for a few epochs does not reach (benchmarks/bench_distill.py: on digits the classic
loss lost to the student trained alone, the standardized one gains). t and s are
pre-softmax logits: a final softmax (a Dense/Conv activation or a Softmax/
Activation layer) is taken off for the loss (the saved student keeps it); a teacher whose
softmax cannot be found but whose outputs are probabilities gives log-probabilities, which
are its logits up to a per-sample constant (softmax is shift-invariant, so the loss is the
same). `proj` is a Dense on the channel axis (a 1x1 convolution for feature maps), trained
with the student and dropped afterwards, when the widths differ. Keras 3's
keras.distillation is not used: it distils Keras 3 students, and the student here must be a
tf_keras model for tfmot (optimize). Both models are loaded with load_for_tfmot (Keras 3
files are rebuilt as tf_keras); the teacher is fixed, so its logits and features are
computed once before training.
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
    from .keras3_rebuild import load_for_tfmot
    from .tfenv import import_tf
    from .training_data import load_data
    tf = import_tf()
    tfmot = tc.import_tfmot()
    import tf_keras as tfk

    say(f"loading teacher {teacher_path.name}")
    teacher, t_kind, _, _ = load_for_tfmot(tf, tfmot, teacher_path)
    classes = int(np.prod(teacher.output_shape[1:]))
    if classes < 2:
        raise ModelError(f"teacher {teacher_path.name} has {classes} output(s); distill needs "
                         "a classifier with one output per class")
    try:
        d = load_data(data, teacher, validation_split, seed)
    except DataError as exc:
        raise DataError(str(exc).replace("optimize trains", "distill trains")) from None
    from .convert import class_ids
    ids = {k: class_ids(y, classes, d.desc[k]) for k, y in
           (("train", d.y_train), ("val", d.y_val), ("eval", d.y_eval)) if y is not None}

    tfk.utils.set_random_seed(seed)
    if student_arch is not None:
        from .families import build
        smodel = build(student_arch, tuple(teacher.input_shape[1:]), classes, knobs)
        s_desc, s_kind = f"family {student_arch} {_knobs(student_arch, knobs)}", "tf_keras"
    else:
        smodel, s_kind, _, _ = load_for_tfmot(tf, tfmot, Path(student))
        s_desc = str(student)
    _check_student(teacher, smodel, teacher_path.name)

    say(f"teacher: computing its logits on {len(d.x_train)} training samples")
    t_out = _Logits(tfk, teacher, "teacher")
    feat_t = [teacher.get_layer(n) if n in _names(teacher) else _no_layer(teacher, n, "teacher")
              for n, _ in pairs]
    t_model = tfk.Model(teacher.inputs, [t_out.tensor, *[_output(tfk, teacher, lay)
                                                          for lay in feat_t]])
    t_train = [np.asarray(a) for a in _as_list(t_model.predict(d.x_train, batch_size=256,
                                                               verbose=0))]
    t_logits = t_out.fix(t_train[0])
    t_out.restore()
    teacher_acc = top1(teacher.predict(d.x_eval, batch_size=256, verbose=0), ids["eval"])

    s_out = _Logits(tfk, smodel, "student")
    feat_s = [smodel.get_layer(n) if n in _names(smodel) else _no_layer(smodel, n, "student")
              for _, n in pairs]
    s_feats = [_output(tfk, smodel, lay) for lay in feat_s]
    s_model = tfk.Model(smodel.inputs, [s_out.tensor, *s_feats])
    projs = [_projection(tfk, ls.shape, tt.shape, f"{a}:{b}")
             for ls, tt, (a, b) in zip(s_feats, t_train[1:], pairs)]
    w0 = smodel.get_weights()
    loop = _Loop(tf, tfk, s_model, d, ids, t_logits, t_train[1:], projs, temperature,
                 batch_size, epochs, learning_rate, seed, say, standardize)
    runs = {}
    for label, a, feats in (("alone", 1.0, False), ("distilled", alpha, True)):
        smodel.set_weights(w0)
        seconds = loop.run(label, a, feats)
        if label == "distilled" and standardize and alpha < 1:
            scale_note = _match_scale(tfk, s_model, s_out, d.x_train, t_logits)
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
    say(f"writing {out}")
    save_atomic(smodel, out)
    runs["distilled"].update(_int8(tf, out, tfl_path, d, ids, samples, seed, say))
    report = dict(
        model=str(teacher_path), output=str(out), tflite=str(tfl_path), report=str(json_path),
        data=d.desc, method="logit distillation (Hinton et al. 2015)"
        + (" on standardized logits (Sun et al. 2024)" if standardize else "")
        + " in a custom tf_keras training loop" + (", plus feature MSE" if pairs else ""),
        teacher=dict(model=str(teacher_path), keras=t_kind, params=int(teacher.count_params()),
                     float_accuracy=teacher_acc, logits=t_out.how),
        student=dict(source=s_desc, keras=s_kind, params=int(smodel.count_params()),
                     logits=s_out.how),
        alone=runs["alone"], distilled=runs["distilled"],
        logit_scale=scale_note if standardize and alpha < 1 else None,
        options=dict(temperature=temperature, alpha=alpha, epochs=epochs,
                     batch_size=batch_size, learning_rate=learning_rate,
                     validation_split=validation_split, seed=seed, standardize=standardize,
                     features=[f"{a}:{b}" for a, b in pairs], samples=samples),
        seconds=round(time.monotonic() - t0, 1))
    report["summary"] = _summary(report)
    write_bytes_atomic(json_path, (json.dumps(report, indent=2) + "\n").encode())
    return report


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


def _as_list(v):
    return list(v) if isinstance(v, (list, tuple)) else [v]


# ---------------------------------------------------------------- logits

class _Logits:
    """The pre-softmax output of a tf_keras model: `tensor`, and `how` it was found.

    A softmax activation on the last layer is switched off while the loss needs logits
    (`swap`) and on again for saving and scoring (`restore`)."""

    def __init__(self, tfk, model, who):
        self.tfk, self.layer, self.how = tfk, model.outputs[0]._keras_history.layer, None
        self.saved = None
        act = getattr(self.layer, "activation", None)
        kind = type(self.layer).__name__
        if kind == "Softmax" or (kind == "Activation" and getattr(act, "__name__", "")
                                 == "softmax"):
            hist = model.outputs[0]._keras_history
            self.tensor = self.layer._inbound_nodes[hist.node_index].input_tensors
            self.how = f"input of the final {kind} layer"
        elif getattr(act, "__name__", "") == "softmax":
            self.saved, self.tensor = act, model.outputs[0]
            self.how = f"{self.layer.name} without its softmax activation"
            self.swap()
        elif getattr(act, "__name__", "") in ("linear", None) or act is None:
            self.tensor, self.how = model.outputs[0], "the output (no final softmax)"
        else:
            self.tensor, self.how = model.outputs[0], None
            if who == "student":
                raise ModelError(f"the student ends in a {act.__name__} activation; distill "
                                 "needs a softmax (or linear) classifier output")

    def logits_layer(self):
        """The layer whose kernel and bias make the logits linearly, or None."""
        lay = self.layer
        if self.saved is None and type(lay).__name__ in ("Softmax", "Activation"):
            src = getattr(self.tensor, "_keras_history", None)
            lay = src.layer if src is not None else None
            act = getattr(lay, "activation", None)
            if act is not None and getattr(act, "__name__", "") != "linear":
                return None
        names = [w.name.split("/")[-1].split(":")[0] for w in getattr(lay, "weights", [])]
        return lay if lay is not None and names and set(names) <= {"kernel", "bias"} else None

    def swap(self):
        if self.saved is not None:
            self.layer.activation = self.tfk.activations.linear

    def restore(self):
        if self.saved is not None:
            self.layer.activation = self.saved

    def fix(self, out: np.ndarray) -> np.ndarray:
        """Teacher outputs as logits; probabilities (no softmax found) -> log-probabilities."""
        out = out.reshape(len(out), -1).astype(np.float32)
        if self.how is None or (self.how.startswith("the output") and out.min() >= 0
                                and np.allclose(out.sum(axis=1), 1, atol=1e-3)):
            self.how = "log of its output probabilities"
            return np.log(np.clip(out, 1e-12, None))
        return out


# ---------------------------------------------------------------- training

class _Loop:
    """Seeded minibatch training of the student with the distillation loss."""

    def __init__(self, tf, tfk, model, d, ids, t_logits, t_feats, projs, temperature,
                 batch_size, epochs, lr, seed, say, standardize=True):
        self.tf, self.tfk, self.model, self.d, self.ids = tf, tfk, model, d, ids
        self.t_logits, self.t_feats, self.projs = t_logits, t_feats, projs
        self.T, self.batch_size, self.epochs, self.lr = float(temperature), batch_size, epochs, lr
        self.seed, self.say, self.standardize = seed, say, standardize
        self.scale = [float(np.mean(np.square(f))) or 1.0 for f in t_feats]

    def run(self, label: str, alpha: float, feats: bool, on_epoch=None) -> float:
        """Train; `on_epoch(epoch, val_accuracy or None)` may return True to stop early."""
        tf, tfk, model, T = self.tf, self.tfk, self.model, self.T
        t0 = time.monotonic()
        tfk.utils.set_random_seed(self.seed)
        opt = tfk.optimizers.Adam(self.lr)
        projs = self.projs if feats else []
        variables = model.trainable_variables + [v for p in projs if p is not None
                                                 for v in p.trainable_variables]

        @tf.function
        def step(x, y, t, *tfeat):
            with tf.GradientTape() as tape:
                outs = _as_list(model(x, training=True))
                s = outs[0]
                ce = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, s))
                loss = alpha * ce + tf.add_n(model.losses) if model.losses else alpha * ce
                if alpha < 1:
                    tz, sz = (t, s) if not self.standardize else (_zscore(tf, t), _zscore(tf, s))
                    kl = tf.reduce_sum(tf.nn.softmax(tz / T) * (tf.nn.log_softmax(tz / T)
                                       - tf.nn.log_softmax(sz / T)), axis=-1)
                    loss += (1 - alpha) * T * T * tf.reduce_mean(kl)
                for p, sf, tf_, sc in zip(projs, outs[1:], tfeat, self.scale):
                    loss += tf.reduce_mean(tf.square((p(sf) if p is not None else sf) - tf_)) / sc
            opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return loss, ce

        x, y, n = self.d.x_train, self.ids["train"].astype(np.int32), len(self.d.x_train)
        rng = np.random.default_rng(self.seed)
        for epoch in range(self.epochs):
            order = rng.permutation(n)
            tot, tot_ce, seen = 0.0, 0.0, 0
            for i in range(0, n, self.batch_size):
                b = order[i:i + self.batch_size]
                tf_b = [f[b] for f in self.t_feats] if feats else []
                loss, ce = step(x[b], y[b], self.t_logits[b], *tf_b)
                tot, tot_ce, seen = tot + float(loss) * len(b), tot_ce + float(ce) * len(b), \
                    seen + len(b)
            msg = f"{label} epoch {epoch + 1}/{self.epochs}: loss {tot / seen:.4f}"
            val = None
            if "val" in self.ids:
                pred = _as_list(model.predict(self.d.x_val, batch_size=256, verbose=0))[0]
                val = top1(pred, self.ids["val"])
                msg += f", val_accuracy {val * 100:.1f}%"
            self.say(msg)
            if on_epoch is not None and on_epoch(epoch + 1, val):
                break
        return round(time.monotonic() - t0, 1)


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
    out = _Logits(tfk, teacher, "teacher")
    logits = out.fix(np.asarray(_as_list(tfk.Model(teacher.inputs, out.tensor).predict(
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
    s_out = _Logits(tfk, student, "student")
    try:
        ids = {"train": np.asarray(y_train)}
        if x_val is not None:
            ids["val"] = np.asarray(y_val)
        d = SimpleNamespace(x_train=x_train, x_val=x_val)
        loop = _Loop(tf, tfk, tfk.Model(student.inputs, s_out.tensor), d, ids,
                     np.asarray(t_logits, np.float32), [], [],
                     TEMPERATURE if temperature is None else temperature, batch_size, epochs,
                     learning_rate, seed, progress or (lambda msg: None), standardize)
        seconds = loop.run("distilled", ALPHA if alpha is None else alpha, False, on_epoch)
        if standardize and (ALPHA if alpha is None else alpha) < 1:
            _match_scale(tfk, loop.model, s_out, x_train, t_logits)
        return seconds
    finally:
        s_out.restore()


def _match_scale(tfk, logits_model, s_out, x, t_logits) -> str:
    """Give the student the teacher's logit scale (mean per-sample std over `x`) by scaling
    its last Dense/Conv kernel and bias: the standardized loss leaves the scale free, and a
    student with near-uniform softmax outputs loses its argmax to int8 rounding (ties).
    Predictions in float are unchanged (argmax is scale-invariant). Returns what was done."""
    s = np.asarray(_as_list(logits_model.predict(x, batch_size=256, verbose=0))[0])
    s_std = float(np.mean(np.std(s.reshape(len(s), -1), axis=1)))
    t_std = float(np.mean(np.std(np.asarray(t_logits), axis=1)))
    layer = s_out.logits_layer()
    if layer is None or s_std <= 0 or t_std <= 0:
        return "left as trained (no Dense/Conv layer makes the logits)"
    c = t_std / s_std
    layer.set_weights([w * c for w in layer.get_weights()])
    return f"x{c:.3g} on {layer.name} (student logit std {s_std:.3g} -> the teacher's {t_std:.3g})"


def _zscore(tf, z):
    """Per-sample standardized logits (Sun et al. 2024): the student matches the teacher's
    logit shape, not its scale."""
    mean, var = tf.nn.moments(z, axes=[-1], keepdims=True)
    return (z - mean) / tf.sqrt(var + 1e-6)


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
