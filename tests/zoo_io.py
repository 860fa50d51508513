"""Zoo models with several inputs/outputs, float input/output and ARG_MAX/ARG_MIN heads
(registered in zoo.MODELS at the end of zoo.py).

Each builder takes the tf_keras module and returns a whole, unseeded Model; zoo.py seeds
its weights (zoo._init_weights with calibration data for every input) and converts it with
a representative dataset for every input (input k's data is scaled by 1 + 3k, so two inputs
get different quantization). IO_SPECS: name -> (builder, ops, note, float_io): float_io
models keep the converter's default float32 input/output (QUANTIZE after each input,
DEQUANTIZE before each output); the others are full int8 at the boundary.
"""
from __future__ import annotations


def _tf():
    import tensorflow as tf
    return tf


def sensor_fusion(keras):
    """Two inputs of different quantization: a conv branch on an 8x8x2 'image' and a dense
    branch on 6 'sensor' values, concatenated into one classifier."""
    L = keras.layers
    a = keras.Input((8, 8, 2), batch_size=1, name="a_image")
    b = keras.Input((6,), batch_size=1, name="b_sensor")
    x = L.Conv2D(4, 3, strides=2, padding="same", activation="relu")(a)
    x = L.Flatten()(x)
    y = L.Dense(8, activation="relu")(b)
    z = L.Concatenate()([x, y])
    out = L.Dense(5, name="logits")(z)
    return keras.Model([a, b], out, name="sensor_fusion")


def two_heads(keras):
    """A shared trunk with two heads: class probabilities (softmax) and a confidence
    (sigmoid)."""
    L = keras.layers
    a = keras.Input((12,), batch_size=1, name="a_features")
    t = L.Dense(16, activation="relu")(a)
    cls = L.Softmax(name="cls")(L.Dense(5, name="logits_cls")(t))
    conf = L.Activation("sigmoid", name="conf")(L.Dense(1, name="logits_conf")(t))
    return keras.Model(a, [cls, conf], name="two_heads")


def sensor_fusion_two_heads(keras):
    """Two inputs and two outputs, the QEMU model: fusion trunk, softmax + sigmoid heads."""
    L = keras.layers
    a = keras.Input((6, 6, 2), batch_size=1, name="a_image")
    b = keras.Input((5,), batch_size=1, name="b_sensor")
    x = L.Flatten()(L.Conv2D(3, 3, strides=2, padding="same", activation="relu")(a))
    y = L.Dense(6, activation="relu")(b)
    t = L.Dense(10, activation="relu")(L.Concatenate()([x, y]))
    cls = L.Softmax(name="cls")(L.Dense(4, name="logits_cls")(t))
    conf = L.Activation("sigmoid", name="conf")(L.Dense(1, name="logits_conf")(t))
    return keras.Model([a, b], [cls, conf], name="sensor_fusion_two_heads")


def float_io(keras):
    """float32 in, float32 out: the converter's QUANTIZE / DEQUANTIZE at the boundary."""
    L = keras.layers
    a = keras.Input((6, 6, 3), batch_size=1, name="a_input")
    x = L.Conv2D(4, 3, padding="same", activation="relu")(a)
    out = L.Dense(3, name="logits")(L.Flatten()(x))
    return keras.Model(a, out, name="float_io")


def float_io_two_outputs(keras):
    """float32 in, two float32 outputs (a softmax head and a linear head)."""
    L = keras.layers
    a = keras.Input((10,), batch_size=1, name="a_input")
    t = L.Dense(12, activation="relu")(a)
    cls = L.Softmax(name="cls")(L.Dense(4, name="logits_cls")(t))
    reg = L.Dense(2, name="logits_reg")(t)
    return keras.Model(a, [cls, reg], name="float_io_two_outputs")


def argmax_head(keras):
    """Class probabilities and their ARG_MAX (axis -1, int32 output): two outputs, one of
    them int32."""
    tf = _tf()
    L = keras.layers
    a = keras.Input((16,), batch_size=1, name="a_input")
    probs = L.Softmax(name="probs")(L.Dense(7, name="logits")(a))
    idx = L.Lambda(lambda t: tf.math.argmax(t, axis=-1, output_type=tf.int32), name="idx")(probs)
    return keras.Model(a, [probs, idx], name="argmax_head")


def argmin_axis(keras):
    """ARG_MIN over the width axis given as -2 (int64 output) of a RELU'd conv: many zeros,
    so ties (first index wins) are common."""
    tf = _tf()
    L = keras.layers
    a = keras.Input((5, 6, 3), batch_size=1, name="a_input")
    x = L.Conv2D(4, 1, activation="relu")(a)
    out = L.Lambda(lambda t: tf.math.argmin(t, axis=-2), name="idx")(x)
    return keras.Model(a, out, name="argmin_axis")


def argmin_axis1(keras):
    """ARG_MIN over the height axis (axis 1, int32 output) of a RELU'd conv, with ties."""
    tf = _tf()
    L = keras.layers
    a = keras.Input((5, 6, 3), batch_size=1, name="a_input")
    x = L.Conv2D(4, 1, activation="relu")(a)
    out = L.Lambda(lambda t: tf.math.argmin(t, axis=1, output_type=tf.int32), name="idx")(x)
    return keras.Model(a, out, name="argmin_axis1")


IO_SPECS = {
    "sensor_fusion": (sensor_fusion, {"CONV_2D", "RESHAPE", "FULLY_CONNECTED",
                                      "CONCATENATION"},
                      "two inputs of different quantization, conv + dense branches", False),
    "two_heads": (two_heads, {"FULLY_CONNECTED", "SOFTMAX", "LOGISTIC"},
                  "shared trunk, softmax class head + sigmoid confidence head", False),
    "sensor_fusion_two_heads": (sensor_fusion_two_heads,
                                {"CONV_2D", "RESHAPE", "FULLY_CONNECTED", "CONCATENATION",
                                 "SOFTMAX", "LOGISTIC"},
                                "two inputs, two outputs (also run on QEMU)", False),
    "float_io": (float_io, {"QUANTIZE", "CONV_2D", "RESHAPE", "FULLY_CONNECTED", "DEQUANTIZE"},
                 "float32 input and output, converted on the device", True),
    "float_io_two_outputs": (float_io_two_outputs,
                             {"QUANTIZE", "FULLY_CONNECTED", "SOFTMAX", "DEQUANTIZE"},
                             "float32 input, two float32 outputs", True),
    "argmax_head": (argmax_head, {"FULLY_CONNECTED", "SOFTMAX", "ARG_MAX"},
                    "softmax + ARG_MAX axis -1, int32 output", False),
    "argmin_axis": (argmin_axis, {"CONV_2D", "ARG_MIN"},
                    "ARG_MIN axis -2, int64 output (TFLite Micro runs int32 only: checked "
                    "against the TFLite reference kernels), ties", False),
    "argmin_axis1": (argmin_axis1, {"CONV_2D", "ARG_MIN"},
                     "ARG_MIN axis 1, int32 output, ties", False),
}

# (inputs, outputs) of each converted model
IO_COUNTS = {"sensor_fusion": (2, 1), "two_heads": (1, 2), "sensor_fusion_two_heads": (2, 2),
             "float_io": (1, 1), "float_io_two_outputs": (1, 2), "argmax_head": (1, 2),
             "argmin_axis": (1, 1), "argmin_axis1": (1, 1)}
