"""Zoo models of the ops of issue 20 that TFLite Micro runs (ABS, RSQRT, REVERSE_V2,
MIRROR_PAD). zoo.py takes SPECS into its registry; entries are in its format
(builder(x, L), input shape, ops the converted model contains, note[, batch]).

Converter facts (TF 2.21) these entries encode:
* tf.math.abs -> int8 ABS whose output gets its own scale (zero point -128).
"""
from __future__ import annotations


def _tf():
    import tensorflow as tf
    return tf


def _conv(L, x, ch, k=1):
    return L.Conv2D(ch, k, padding="same")(x)


def abs_conv(x, L):
    tf = _tf()
    return L.Lambda(lambda t: tf.math.abs(t))(_conv(L, x, 5))


def abs_dense(x, L):
    tf = _tf()
    return L.Lambda(lambda t: tf.math.abs(t))(L.Dense(11)(x))


SPECS = {
    "abs_conv": (abs_conv, (5, 6, 3), {"CONV_2D", "ABS"},
                 "tf.math.abs after a conv: |x| on its own output scale"),
    "abs_dense": (abs_dense, (7,), {"FULLY_CONNECTED", "ABS"}, "tf.math.abs on [1,11]"),
}
