"""Zoo models of the ops of issue 20 that TFLite Micro runs (ABS, RSQRT, REVERSE_V2,
MIRROR_PAD). zoo.py takes SPECS into its registry; entries are in its format
(builder(x, L), input shape, ops the converted model contains, note[, batch]).

Converter facts (TF 2.21) these entries encode:
* tf.math.abs -> int8 ABS whose output gets its own scale (zero point -128).
* tf.math.rsqrt(relu(x) + c) -> ADD (a scalar constant) -> int8 RSQRT, input zero point
  -128 (no input below it, which TFLite Micro would refuse). A Keras LayerNormalization
  gives RSQRT too, but with a float NEG island (DEQUANTIZE -> NEG -> QUANTIZE).
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


def rsqrt_conv(x, L):
    tf = _tf()
    y = L.Conv2D(5, 1, padding="same", activation="relu")(x)
    return L.Lambda(lambda t: tf.math.rsqrt(t + 0.1))(y)


def rsqrt_dense(x, L):
    tf = _tf()
    return L.Lambda(lambda t: tf.math.rsqrt(t + 0.05))(L.Dense(9, activation="relu")(x))


SPECS = {
    "abs_conv": (abs_conv, (5, 6, 3), {"CONV_2D", "ABS"},
                 "tf.math.abs after a conv: |x| on its own output scale"),
    "abs_dense": (abs_dense, (7,), {"FULLY_CONNECTED", "ABS"}, "tf.math.abs on [1,11]"),
    "rsqrt_conv": (rsqrt_conv, (5, 6, 3), {"CONV_2D", "ADD", "RSQRT"},
                   "tf.math.rsqrt(relu(conv) + 0.1): a scalar ADD, then RSQRT"),
    "rsqrt_dense": (rsqrt_dense, (7,), {"FULLY_CONNECTED", "ADD", "RSQRT"},
                    "tf.math.rsqrt(relu(dense) + 0.05) on [1,9]"),
}
