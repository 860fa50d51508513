"""Zoo models of the ops of issue 20 that TFLite Micro runs (ABS, RSQRT, REVERSE_V2,
MIRROR_PAD, LOG_SOFTMAX). zoo.py takes SPECS into its registry; entries are in its format
(builder(x, L), input shape, ops the converted model contains, note[, batch]).

Converter facts (TF 2.21) these entries encode:
* tf.math.abs -> int8 ABS whose output gets its own scale (zero point -128).
* tf.math.rsqrt(relu(x) + c) -> ADD (a scalar constant) -> int8 RSQRT, input zero point
  -128 (no input below it, which TFLite Micro would refuse). A Keras LayerNormalization
  gives RSQRT too, but with a float NEG island (DEQUANTIZE -> NEG -> QUANTIZE).
* tf.reverse -> REVERSE_V2 with a constant 1-D int32 axis list, input and output sharing
  one quantization; the converter's own calibration (TFLite) refuses non-contiguous axes.
* tf.pad(mode="REFLECT" / "SYMMETRIC") -> int8 MIRROR_PAD with int32 paddings [rank, 2] and
  its MirrorPadOptions, input and output sharing one quantization.
* A Keras ELU, tf.math.square and tf.math.sin stay float: DEQUANTIZE -> ELU / SQUARE / SIN
  (float32) -> QUANTIZE (a float island).
* A Keras "gelu" activation and tf.nn.gelu(approximate=True) -> int8 GELU (TFLite Micro has
  no GELU kernel: checked against TFLite's reference kernels).
* tf.nn.log_softmax -> int8 LOG_SOFTMAX over the last axis, output scale 16/256 and zero
  point 127 (the quantizer's fixed range, which TFLite Micro requires).
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


def reverse_width(x, L):
    tf = _tf()
    return L.Lambda(lambda t: tf.reverse(t, [2]))(_conv(L, x, 4))


def reverse_hw_neg(x, L):
    tf = _tf()
    return L.Lambda(lambda t: tf.reverse(t, [-2, -3]))(_conv(L, x, 3))


def reverse_time(x, L):
    tf = _tf()
    y = L.Lambda(lambda t: tf.reverse(t, [1]))(L.Conv1D(5, 1)(x))
    return L.Conv1D(3, 2)(y)


def log_softmax_dense(x, L):
    tf = _tf()
    return L.Lambda(lambda t: tf.nn.log_softmax(t))(L.Dense(10)(x))


def log_softmax_conv(x, L):
    tf = _tf()
    return L.Lambda(lambda t: tf.nn.log_softmax(t))(_conv(L, x, 6))


def gelu_dense(x, L):
    return L.Dense(4)(L.Activation("gelu")(L.Dense(8)(x)))


def gelu_tanh_dense(x, L):
    tf = _tf()
    return L.Dense(4)(L.Lambda(lambda t: tf.nn.gelu(t, approximate=True))(L.Dense(8)(x)))


def island_elu(x, L):
    return L.Dense(8)(L.ELU()(L.Conv2D(6, 3)(x)))


def island_square(x, L):
    tf = _tf()
    return L.Dense(4)(L.Lambda(lambda t: tf.math.square(t))(L.Dense(8)(x)))


def island_sin(x, L):
    tf = _tf()
    return L.Dense(4)(L.Lambda(lambda t: tf.math.sin(t))(L.Dense(8)(x)))


def _mirror(pads, mode):
    def body(x, L):
        tf = _tf()
        return L.Lambda(lambda t: tf.pad(t, pads, mode=mode))(_conv(L, x, 3))
    body.__name__ = f"mirror_pad_{mode.lower()}"
    return body


def mirror_pad_1d(x, L):
    tf = _tf()
    y = L.Lambda(lambda t: tf.pad(t, [[0, 0], [3, 2], [0, 0]], mode="REFLECT"))(
        L.Conv1D(4, 1)(x))
    return L.Conv1D(3, 3)(y)


SPECS = {
    "abs_conv": (abs_conv, (5, 6, 3), {"CONV_2D", "ABS"},
                 "tf.math.abs after a conv: |x| on its own output scale"),
    "abs_dense": (abs_dense, (7,), {"FULLY_CONNECTED", "ABS"}, "tf.math.abs on [1,11]"),
    "rsqrt_conv": (rsqrt_conv, (5, 6, 3), {"CONV_2D", "ADD", "RSQRT"},
                   "tf.math.rsqrt(relu(conv) + 0.1): a scalar ADD, then RSQRT"),
    "rsqrt_dense": (rsqrt_dense, (7,), {"FULLY_CONNECTED", "ADD", "RSQRT"},
                    "tf.math.rsqrt(relu(dense) + 0.05) on [1,9]"),
    "reverse_width": (reverse_width, (4, 6, 3), {"CONV_2D", "REVERSE_V2"},
                      "tf.reverse(axis=[2]): columns read backwards"),
    "reverse_hw_neg": (reverse_hw_neg, (5, 4, 2), {"CONV_2D", "REVERSE_V2"},
                       "tf.reverse(axis=[-2,-3]): negative, unsorted, two contiguous axes"),
    "reverse_time": (reverse_time, (9, 4), {"RESHAPE", "CONV_2D", "REVERSE_V2"},
                     "tf.reverse(axis=[1]) between Conv1Ds: time reversed, as a "
                     "bidirectional RNN does"),
    "mirror_pad_reflect": (_mirror([[0, 0], [1, 2], [2, 1], [0, 0]], "REFLECT"), (4, 5, 2),
                           {"CONV_2D", "MIRROR_PAD"},
                           "tf.pad REFLECT, rows 1/2 and columns 2/1"),
    "mirror_pad_symmetric": (_mirror([[0, 0], [3, 0], [1, 4], [1, 1]], "SYMMETRIC"),
                             (3, 4, 2), {"CONV_2D", "MIRROR_PAD"},
                             "tf.pad SYMMETRIC, a pad as wide as the axis, channels too"),
    "mirror_pad_1d": (mirror_pad_1d, (8, 3), {"RESHAPE", "CONV_2D", "MIRROR_PAD"},
                      "tf.pad REFLECT on the time axis between Conv1Ds"),
    "log_softmax_dense": (log_softmax_dense, (12,), {"FULLY_CONNECTED", "LOG_SOFTMAX"},
                          "tf.nn.log_softmax of 10 classes"),
    "gelu_dense": (gelu_dense, (5,), {"FULLY_CONNECTED", "GELU"}, "Keras gelu (erf form)"),
    "gelu_tanh_dense": (gelu_tanh_dense, (5,), {"FULLY_CONNECTED", "GELU"},
                        "tf.nn.gelu(approximate=True)"),
    "island_elu": (island_elu, (6, 6, 2), {"CONV_2D", "DEQUANTIZE", "ELU", "QUANTIZE",
                                           "FULLY_CONNECTED"}, "a Keras ELU left in float"),
    "island_square": (island_square, (5,), {"FULLY_CONNECTED", "DEQUANTIZE", "SQUARE",
                                            "QUANTIZE"}, "tf.math.square left in float"),
    "island_sin": (island_sin, (5,), {"FULLY_CONNECTED", "DEQUANTIZE", "SIN", "QUANTIZE"},
                   "tf.math.sin left in float"),
    "log_softmax_conv": (log_softmax_conv, (4, 5, 3), {"CONV_2D", "LOG_SOFTMAX"},
                         "tf.nn.log_softmax over 6 channels of every pixel (20 rows)"),
}
