"""Zoo entries for TRANSPOSE_CONV and BATCH_MATMUL (merged into zoo._SPECS; same format:
name -> (builder(x, L), input shape, ops the converted model contains, note[, batch])).

Converter facts found with TF 2.21 (what the `ops` sets encode):
* Conv2DTranspose is one TRANSPOSE_CONV (inputs: constant int32 output shape, int8
  per-channel weights [out_c, k_h, k_w, in_c], the input, the int32 bias unless
  use_bias=False); a fused RELU/RELU6 goes into its options; output_padding only changes
  the output shape. Conv1DTranspose is RESHAPE -> TRANSPOSE_CONV (k_h 1) -> RESHAPE.
* matmul of two activations (Lambda tf.linalg.matmul, layers.Dot, layers.Attention) is
  BATCH_MATMUL with adj_x / adj_y taken from the transposes; a constant right operand
  becomes FULLY_CONNECTED instead, a constant left one stays a BATCH_MATMUL operand.
  Attention's use_scale and a division by sqrt(d) give a MUL by an int8 scalar.
* With a free batch (batch_size=None) the output shape is computed: SHAPE ->
  STRIDED_SLICE -> PACK -> TRANSPOSE_CONV input 0 (TFLM ignores it; so does tinydeploy,
  compiler/shape_inputs.py).
* MultiHeadAttention gives TRANSPOSE around its BATCH_MATMULs (not supported here yet).
"""
from __future__ import annotations

import numpy as np


def _tf():
    import tensorflow as tf
    return tf


def _matmul(L, ta=False, tb=False):
    tf = _tf()
    return L.Lambda(lambda t: tf.linalg.matmul(t[0], t[1], transpose_a=ta, transpose_b=tb))


def _mean(L, axis, keepdims):
    tf = _tf()
    return L.Lambda(lambda t: tf.reduce_mean(t, axis=axis, keepdims=keepdims))


# --------------------------------------------------------------------------- TRANSPOSE_CONV

def tconv_same_s2(x, L):
    return L.Conv2DTranspose(4, 3, strides=2, padding="same")(x)


def tconv_valid_s1_nobias(x, L):
    return L.Conv2DTranspose(5, 3, strides=1, padding="valid", use_bias=False)(x)


def tconv_k53_s32_valid(x, L):
    return L.Conv2DTranspose(5, (5, 3), strides=(3, 2), padding="valid")(x)


def tconv_k5_s3_same_relu6(x, L):
    return L.Conv2DTranspose(6, 5, strides=3, padding="same", activation="relu6")(x)


def tconv_k3_s12_same_relu(x, L):
    return L.Conv2DTranspose(3, (3, 5), strides=(1, 2), padding="same", activation="relu")(x)


def tconv_outpad(x, L):
    return L.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1)(x)


def tconv_k2_s2_valid(x, L):
    return L.Conv2DTranspose(7, 2, strides=2, padding="valid")(x)


def conv1d_transpose(x, L):
    return L.Conv1DTranspose(4, 3, strides=2, padding="same")(x)


def tconv_unet_skip(x, L):
    down = L.Conv2D(6, 3, strides=2, padding="same", activation="relu")(x)
    up = L.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu")(down)
    return L.Conv2D(3, 1)(L.Concatenate()([x, up]))


# --------------------------------------------------------------------------- BATCH_MATMUL

def bmm_qk_adj_y(x, L):
    return _matmul(L, tb=True)([L.Dense(8)(x), L.Dense(8)(x)])


def bmm_dot_adj_x(x, L):
    return L.Dot(axes=(1, 1))([L.Dense(7)(x), L.Dense(4)(x)])


def bmm_adj_xy(x, L):
    return _matmul(L, ta=True, tb=True)([L.Dense(6)(x), L.Dense(6)(x)])


def bmm_plain(x, L):
    return _matmul(L)([L.Dense(6)(x), L.Dense(9)(x)])


def bmm_rank4_heads(x, L):
    q = L.Reshape((6, 2, 4))(L.Dense(8)(x))
    k = L.Reshape((6, 2, 4))(L.Dense(8)(x))
    return _matmul(L, tb=True)([q, k])


def bmm_bcast_rhs(x, L):
    k = L.Dense(8)(_mean(L, 1, True)(x))            # [1, 1, 6, 8]
    return _matmul(L, tb=True)([L.Dense(8)(x), k])  # [1, 3, 6, 8] x [1, 1, 6, 8]^T


def bmm_bcast_lhs_rank3(x, L):
    k = L.Dense(8)(_mean(L, 1, False)(x))           # [1, 6, 8]
    return _matmul(L, tb=True)([k, L.Dense(8)(x)])  # [1, 6, 8] x [1, 3, 6, 8]^T


def bmm_const_lhs(x, L):
    tf = _tf()
    c = tf.constant(np.random.default_rng(5).standard_normal((4, 6)).astype(np.float32))
    return L.Lambda(lambda t: tf.linalg.matmul(c, t))(L.Dense(5)(x))


def attention_layer(x, L):
    return L.Attention(use_scale=False)([L.Dense(8)(x), L.Dense(8)(x), L.Dense(8)(x)])


def attention_scaled(x, L):
    tf = _tf()
    q, k, v = L.Dense(8)(x), L.Dense(8)(x), L.Dense(8)(x)
    s = L.Lambda(lambda t: tf.linalg.matmul(t[0], t[1], transpose_b=True)
                 / np.float32(np.sqrt(8.0)))([q, k])
    return _matmul(L)([L.Softmax()(s), v])


_FC_BMM = {"FULLY_CONNECTED", "BATCH_MATMUL"}

SPECS = {
    # ---- TRANSPOSE_CONV
    "tconv_same_s2": (tconv_same_s2, (5, 6, 3), {"TRANSPOSE_CONV"},
                      "Conv2DTranspose 3x3 stride 2 SAME, bias"),
    "tconv_valid_s1_nobias": (tconv_valid_s1_nobias, (5, 6, 3), {"TRANSPOSE_CONV"},
                              "3x3 stride 1 VALID, use_bias=False (3 inputs)"),
    "tconv_k53_s32_valid": (tconv_k53_s32_valid, (4, 5, 2), {"TRANSPOSE_CONV"},
                            "5x3 kernel, strides (3, 2), VALID"),
    "tconv_k5_s3_same_relu6": (tconv_k5_s3_same_relu6, (3, 4, 3), {"TRANSPOSE_CONV"},
                               "5x5 stride 3 SAME, fused RELU6"),
    "tconv_k3_s12_same_relu": (tconv_k3_s12_same_relu, (5, 4, 5), {"TRANSPOSE_CONV"},
                               "3x5 kernel, strides (1, 2), SAME, fused RELU"),
    "tconv_outpad": (tconv_outpad, (4, 5, 2), {"TRANSPOSE_CONV"},
                     "output_padding=1: SAME stride 2 with a larger output shape"),
    "tconv_k2_s2_valid": (tconv_k2_s2_valid, (3, 5, 5), {"TRANSPOSE_CONV"},
                          "2x2 stride 2 VALID (U-Net upsampling), 7 channels"),
    "conv1d_transpose": (conv1d_transpose, (7, 3), {"RESHAPE", "TRANSPOSE_CONV"},
                         "Conv1DTranspose: RESHAPE -> TRANSPOSE_CONV (1x3) -> RESHAPE"),
    "tconv_unet_skip": (tconv_unet_skip, (8, 8, 3),
                        {"CONV_2D", "TRANSPOSE_CONV", "CONCATENATION"},
                        "down conv, Conv2DTranspose up (RELU), concat skip, 1x1 conv"),
    "tconv_free_batch": (tconv_same_s2, (5, 7, 3),
                         {"SHAPE", "STRIDED_SLICE", "PACK", "TRANSPOSE_CONV"},
                         "free batch: the output shape is computed (SHAPE, STRIDED_SLICE, "
                         "PACK) and ignored", None),
    # ---- BATCH_MATMUL
    "bmm_qk_adj_y": (bmm_qk_adj_y, (6, 5), _FC_BMM, "q @ k^T of two Dense: adj_y"),
    "bmm_dot_adj_x": (bmm_dot_adj_x, (6, 5), _FC_BMM, "layers.Dot(axes=(1, 1)): adj_x"),
    "bmm_adj_xy": (bmm_adj_xy, (6, 6), _FC_BMM, "a^T @ b^T: adj_x and adj_y"),
    "bmm_plain": (bmm_plain, (6, 6), _FC_BMM, "[1,6,6] @ [1,6,9], no transposes"),
    "bmm_rank4_heads": (bmm_rank4_heads, (6, 5), _FC_BMM | {"RESHAPE"},
                        "rank 4: [1,6,2,4] @ [1,6,2,4]^T"),
    "bmm_bcast_rhs": (bmm_bcast_rhs, (3, 6, 5), _FC_BMM | {"MEAN"},
                      "[1,3,6,8] @ [1,1,6,8]^T: the right operand broadcasts"),
    "bmm_bcast_lhs_rank3": (bmm_bcast_lhs_rank3, (3, 6, 5), _FC_BMM | {"MEAN"},
                            "[1,6,8] @ [1,3,6,8]^T: rank 3 against rank 4, left broadcasts"),
    "bmm_const_lhs": (bmm_const_lhs, (6, 5), _FC_BMM,
                      "constant rank-2 left operand [4,6] @ [1,6,5]"),
    "attention_layer": (attention_layer, (6, 5), _FC_BMM | {"SOFTMAX"},
                        "layers.Attention: softmax(q k^T) v"),
    "attention_scaled": (attention_scaled, (6, 5), _FC_BMM | {"MUL", "SOFTMAX"},
                         "softmax(q k^T / sqrt(d)) v by hand: MUL by an int8 scalar"),
}
