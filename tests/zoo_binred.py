"""Zoo models of issue 10's binary and reduction ops (SUB, MAXIMUM, MINIMUM,
SQUARED_DIFFERENCE, MEAN/SUM/REDUCE_MAX over any axes); tests/zoo.py takes SPECS into
its registry. Same conventions: builder(x, L) -> output, (input shape, ops the converted
model contains, note).

Converter facts (TF 2.21):
* layers.Subtract -> SUB (a fused RELU when a ReLU follows); x - constant -> SUB with an
  int8 constant operand.
* layers.Maximum / Minimum -> MAXIMUM / MINIMUM; the quantizer gives both inputs and the
  output one scale and zero point, and propagates it back into a MEAN feeding them (that
  MEAN then has equal input and output quantization).
* tf.math.squared_difference -> SQUARED_DIFFERENCE (output zero point -128).
* tf.reduce_mean / reduce_sum / reduce_max -> MEAN / SUM / REDUCE_MAX with the axes as an
  int32 constant, negative axes kept as given; GlobalMaxPooling2D -> REDUCE_MAX over
  [1, 2]. REDUCE_MAX keeps its input's quantization."""
from __future__ import annotations

import numpy as np


def _tf():
    import tensorflow as tf
    return tf


def _two(x, L, c=4):
    return L.Conv2D(c, 1)(x), L.Conv2D(c, 3, padding="same")(x)


def sub_same_shape(x, L):
    a, b = _two(x, L, 5)
    return L.Subtract()([a, b])


def sub_bcast_c_relu(x, L):
    a = L.Conv2D(6, 1)(x)
    g = L.GlobalAveragePooling2D(keepdims=True)(a)            # [1,1,1,C]
    return L.ReLU()(L.Subtract()([g, a]))


def sub_bcast_h(x, L):
    tf = _tf()
    a = L.Conv2D(4, 1)(x)
    m = L.Lambda(lambda t: tf.reduce_mean(t, axis=[2, 3], keepdims=True))(a)   # [1,H,1,1]
    return L.Subtract()([a, m])


def sub_const(x, L):
    c = np.linspace(-1.0, 1.5, x.shape[-1]).astype(np.float32)
    a = L.Lambda(lambda t: c - t)(x)                        # not after a conv: not folded
    return L.Conv2D(4, 1)(a)


def max_same_shape(x, L):
    a, b = _two(x, L, 5)
    return L.Maximum()([a, b])


def max_bcast_c(x, L):
    a = L.Conv2D(6, 3, padding="same")(x)
    g = L.GlobalAveragePooling2D(keepdims=True)(a)
    return L.Maximum()([a, g])


def max_const(x, L):
    tf = _tf()
    a = L.Conv2D(4, 1)(x)
    return L.Lambda(lambda t: tf.maximum(t, -0.25))(a)


def min_bcast_h(x, L):
    tf = _tf()
    a = L.Conv2D(4, 1)(x)
    m = L.Lambda(lambda t: tf.reduce_mean(t, axis=[2, 3], keepdims=True))(a)
    return L.Minimum()([a, m])


def min_same_shape(x, L):
    a, b = _two(x, L, 5)
    return L.Minimum()([a, b])


def sqdiff_same_shape(x, L):
    tf = _tf()
    a, b = _two(x, L, 5)
    return L.Lambda(lambda t: tf.math.squared_difference(t[0], t[1]))([a, b])


def sqdiff_bcast_c(x, L):
    tf = _tf()
    a = L.Conv2D(6, 1)(x)
    g = L.GlobalAveragePooling2D(keepdims=True)(a)
    return L.Lambda(lambda t: tf.math.squared_difference(t[0], t[1]))([a, g])


def _reduce(fn: str, axis, keepdims: bool, c: int = 4):
    def body(x, L):
        tf = _tf()
        f = getattr(tf, fn)
        a = L.Conv2D(c, 1)(x)
        return L.Lambda(lambda t: f(t, axis=axis, keepdims=keepdims))(a)
    body.__name__ = f"{fn}_{axis}_{keepdims}"
    return body


def gmp(x, L):
    return L.GlobalMaxPooling2D()(L.Conv2D(5, 1)(x))


C4 = {"CONV_2D"}
SPECS = {
    # ---- SUB
    "sub_same_shape_c5": (sub_same_shape, (5, 7, 3), C4 | {"SUB"},
                          "same-shape SUB, 175 elements"),
    "sub_bcast_c_relu": (sub_bcast_c_relu, (6, 5, 3), C4 | {"MEAN", "SUB"},
                         "SUB [1,1,1,C] - [1,H,W,C] (first operand broadcast), fused RELU"),
    "sub_bcast_h": (sub_bcast_h, (5, 6, 3), C4 | {"MEAN", "SUB"},
                    "SUB [1,H,W,C] - [1,H,1,1] (MEAN over [2,3] keep_dims)"),
    "sub_const": (sub_const, (4, 5, 3), C4 | {"SUB"}, "constant [C] - x on the input: int8 constant first operand"),
    # ---- MAXIMUM / MINIMUM
    "max_same_shape_c5": (max_same_shape, (5, 7, 3), C4 | {"MAXIMUM"}, "same-shape MAXIMUM"),
    "max_bcast_c": (max_bcast_c, (6, 5, 3), C4 | {"MEAN", "MAXIMUM"},
                    "MAXIMUM [1,H,W,C] with [1,1,1,C]"),
    "max_const": (max_const, (5, 5, 3), C4 | {"MAXIMUM"}, "tf.maximum(x, -0.25): scalar constant"),
    "min_bcast_h": (min_bcast_h, (5, 6, 3), C4 | {"MEAN", "MINIMUM"},
                    "MINIMUM [1,H,W,C] with [1,H,1,1]; the MEAN has equal in/out quantization"),
    "min_same_shape_c5": (min_same_shape, (3, 7, 3), C4 | {"MINIMUM"}, "same-shape MINIMUM"),
    # ---- SQUARED_DIFFERENCE
    "sqdiff_same_shape_c5": (sqdiff_same_shape, (5, 7, 3), C4 | {"SQUARED_DIFFERENCE"},
                             "same-shape SQUARED_DIFFERENCE"),
    "sqdiff_bcast_c": (sqdiff_bcast_c, (6, 5, 3), C4 | {"MEAN", "SQUARED_DIFFERENCE"},
                       "(x - mean)^2 with the mean [1,1,1,C] broadcast"),
    # ---- MEAN over any axes
    "mean_axis1": (_reduce("reduce_mean", [1], False), (5, 6, 3), C4 | {"MEAN"},
                   "MEAN over H, keep_dims False"),
    "mean_axis2_keep": (_reduce("reduce_mean", [2], True), (5, 7, 3), C4 | {"MEAN"},
                        "MEAN over W, keep_dims True"),
    "mean_neg1": (_reduce("reduce_mean", [-1], False, 5), (4, 6, 3), C4 | {"MEAN"},
                  "MEAN over axis -1 (channels)"),
    "mean_axes13_keep": (_reduce("reduce_mean", [1, 3], True), (5, 6, 3), C4 | {"MEAN"},
                         "MEAN over non-adjacent axes [1, 3], keep_dims True"),
    "mean_axes123": (_reduce("reduce_mean", [1, 2, 3], False), (5, 6, 3), C4 | {"MEAN"},
                     "MEAN over three axes to one value"),
    # ---- SUM
    "sum_axes13_keep": (_reduce("reduce_sum", [1, 3], True), (5, 6, 3), C4 | {"SUM"},
                        "SUM over non-adjacent axes [1, 3], keep_dims True"),
    "sum_axis2": (_reduce("reduce_sum", [2], False, 5), (4, 7, 3), C4 | {"SUM"},
                  "SUM over W"),
    "sum_neg1_keep": (_reduce("reduce_sum", [-1], True), (5, 6, 3), C4 | {"SUM"},
                      "SUM over axis -1, keep_dims True"),
    # ---- REDUCE_MAX
    "gmp_c5": (gmp, (5, 7, 3), C4 | {"REDUCE_MAX"}, "GlobalMaxPooling2D: REDUCE_MAX [1, 2]"),
    "rmax_axis1": (_reduce("reduce_max", [1], False), (5, 6, 3), C4 | {"REDUCE_MAX"},
                   "REDUCE_MAX over H"),
    "rmax_neg1_keep": (_reduce("reduce_max", [-1], True, 5), (4, 6, 3), C4 | {"REDUCE_MAX"},
                       "REDUCE_MAX over axis -1, keep_dims True"),
    "rmax_axes13": (_reduce("reduce_max", [1, 3], False), (5, 6, 3), C4 | {"REDUCE_MAX"},
                    "REDUCE_MAX over non-adjacent axes [1, 3]"),
}
