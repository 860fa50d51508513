"""The distillation loss and its training loop, for distill.py and the search.

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

import time

import numpy as np

from ..data import top1
from ..errors import ModelError


def as_list(v):
    """A model's outputs as a list (one output comes alone)."""
    return list(v) if isinstance(v, (list, tuple)) else [v]


# ---------------------------------------------------------------- logits

class Logits:
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

class DistillLoop:
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
                outs = as_list(model(x, training=True))
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
                pred = as_list(model.predict(self.d.x_val, batch_size=256, verbose=0))[0]
                val = top1(pred, self.ids["val"])
                msg += f", val_accuracy {val * 100:.1f}%"
            self.say(msg)
            if on_epoch is not None and on_epoch(epoch + 1, val):
                break
        return round(time.monotonic() - t0, 1)


def match_scale(tfk, logits_model, s_out, x, t_logits) -> str:
    """Give the student the teacher's logit scale (mean per-sample std over `x`) by scaling
    its last Dense/Conv kernel and bias: the standardized loss leaves the scale free, and a
    student with near-uniform softmax outputs loses its argmax to int8 rounding (ties).
    Predictions in float are unchanged (argmax is scale-invariant). Returns what was done."""
    s = np.asarray(as_list(logits_model.predict(x, batch_size=256, verbose=0))[0])
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
