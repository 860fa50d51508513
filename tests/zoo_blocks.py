"""Zoo entries for whole blocks from the models people bring (issue 10's "done when"),
merged into zoo._SPECS; same format as zoo.py. They mix the new ops with the old in one
graph: a MobileNetV3 inverted residual with hard-swish and squeeze-excite, a small U-Net
(Conv2DTranspose and UpSampling2D decoders, concatenated skip connections) and
MultiHeadAttention over a short sequence (TRANSPOSE around BATCH_MATMUL)."""
from __future__ import annotations


def _hard_swish(L, x):
    """MobileNetV3's hard_swish: x * relu6(x + 3) / 6 (keras.applications form)."""
    gate = L.Lambda(lambda t: t * (1.0 / 6.0))(L.ReLU(6.0)(L.Lambda(lambda t: t + 3.0)(x)))
    return L.Multiply()([x, gate])


def mnv3_block(x, L):
    """Inverted residual (expand 1x1, depthwise 3x3, SE, project 1x1) with hard-swish."""
    y = L.Conv2D(16, 1, use_bias=False)(x)
    y = L.BatchNormalization()(y)
    y = _hard_swish(L, y)
    y = L.DepthwiseConv2D(3, padding="same", use_bias=False)(y)
    y = L.BatchNormalization()(y)
    y = _hard_swish(L, y)
    s = L.GlobalAveragePooling2D(keepdims=True)(y)
    s = L.Conv2D(4, 1, activation="relu")(s)
    s = L.Conv2D(16, 1)(s)
    s = L.ReLU(6.0)(L.Lambda(lambda t: t + 3.0)(s))
    s = L.Lambda(lambda t: t * (1.0 / 6.0))(s)
    y = L.Multiply()([y, s])
    y = L.Conv2D(6, 1, use_bias=False)(y)
    y = L.BatchNormalization()(y)
    res = L.Conv2D(6, 1)(x)
    return L.Add()([res, y])


def unet_small(x, L):
    """Encoder 16x16 -> 8x8 -> 4x4, decoder UpSampling2D (bilinear) and Conv2DTranspose,
    skip connections concatenated, a per-pixel 3-class softmax."""
    e1 = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    e2 = L.Conv2D(12, 3, padding="same", activation="relu")(L.MaxPooling2D(2)(e1))
    b = L.Conv2D(16, 3, padding="same", activation="relu")(L.MaxPooling2D(2)(e2))
    d2 = L.UpSampling2D(2, interpolation="bilinear")(b)
    d2 = L.Conv2D(12, 3, padding="same", activation="relu")(L.Concatenate()([d2, e2]))
    d1 = L.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(d2)
    d1 = L.Conv2D(8, 3, padding="same", activation="relu")(L.Concatenate()([d1, e1]))
    return L.Softmax()(L.Conv2D(3, 1)(d1))


def mha_block(x, L):
    """MultiHeadAttention (2 heads) over [1, 6, 8], residual and a dense head."""
    a = L.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
    y = L.Add()([x, a])
    return L.Dense(3)(L.Flatten()(y))


SPECS = {
    "mnv3_block": (mnv3_block, (10, 10, 3), {"CONV_2D", "HARD_SWISH", "DEPTHWISE_CONV_2D",
                                            "MEAN", "ADD", "MUL"},
                   "MobileNetV3 inverted residual: hard-swish, squeeze-excite (hard-sigmoid "
                   "gate), residual ADD"),
    "unet_small": (unet_small, (16, 16, 3), {"CONV_2D", "MAX_POOL_2D", "RESIZE_BILINEAR",
                                            "CONCATENATION", "TRANSPOSE_CONV", "SOFTMAX"},
                   "U-Net: UpSampling2D(bilinear) and Conv2DTranspose decoders, skips "
                   "concatenated, per-pixel softmax"),
    "mha_block": (mha_block, (6, 8), {"FULLY_CONNECTED", "TRANSPOSE", "BATCH_MATMUL",
                                     "SOFTMAX", "ADD", "RESHAPE"},
                  "MultiHeadAttention(2 heads, key_dim 4): TRANSPOSE around BATCH_MATMUL"),
}


def op_medley(x, L):
    """One graph with an op of every new family the blocks above leave out, small enough for
    a micro:bit: PReLU, LeakyReLU, tanh, SUB, MAXIMUM, SQUARED_DIFFERENCE, SPLIT, GATHER,
    nearest resize, REDUCE_MAX, SUM, L2 normalization."""
    import tensorflow as tf
    a = L.Conv2D(6, 3, padding="same")(x)
    p = L.PReLU(shared_axes=[1, 2])(a)
    q = L.LeakyReLU(0.2)(L.Conv2D(6, 1)(x))
    d = L.Subtract()([p, q])
    m = L.Maximum()([L.Activation("tanh")(d), q])
    s = L.Lambda(lambda t: tf.math.squared_difference(t[0], t[1]))([m, p])
    u, v = L.Lambda(lambda t: tf.split(t, 2, axis=-1))(s)
    g = L.Lambda(lambda t: tf.gather(t, [2, 0, 0, 1], axis=-1))(u)
    w = L.UpSampling2D(2)(L.MaxPooling2D(2)(v))
    r = L.Lambda(lambda t: tf.reduce_max(t, axis=[1, 2]))(g)
    t = L.Lambda(lambda t: tf.reduce_sum(t, axis=[1, 2]))(w)
    return L.UnitNormalization()(L.Concatenate()([r, t]))


SPECS["op_medley"] = (op_medley, (6, 6, 3),
                      {"CONV_2D", "PRELU", "LEAKY_RELU", "TANH", "SUB", "MAXIMUM",
                       "SQUARED_DIFFERENCE", "SPLIT", "GATHER", "MAX_POOL_2D",
                       "RESIZE_NEAREST_NEIGHBOR", "REDUCE_MAX", "SUM", "CONCATENATION",
                       "QUANTIZE", "L2_NORMALIZATION"},
                      "one op of each new family the blocks leave out, micro:bit-sized")
