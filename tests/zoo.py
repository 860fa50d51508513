"""Test model zoo: seeded Keras models that, once converted to full-int8 TFLite, cover
every op and option the compiler supports, plus re-creations of the MLPerf Tiny models.

Public API
    MODELS                      name -> ZooEntry(build, ops, note, per_tensor_dense)
    tflite_path(name)           build + convert once, cached on disk (xdist-safe)
    random_inputs(path_or_name, n, seed)   int8 inputs, batch first
    build(name)                 the seeded Keras model (weights initialised), no conversion
    convert(model, ...)         full-int8 conversion of any Keras model -> bytes

TensorFlow is imported lazily: a cache hit in `tflite_path` and `random_inputs` need only
numpy and tinydeploy.compiler.reader.

Converter facts found with TF 2.21 (they are what the `ops` sets below encode):
* The batch dimension decides what dilated convs become. With a fixed batch
  (Input(batch_size=1)) the converter fuses them into CONV_2D / DEPTHWISE_CONV_2D with
  dilation factors; with a free batch (batch_size=None) it keeps the
  SPACE_TO_BATCH_ND -> CONV_2D(VALID, all-zero bias) -> BATCH_TO_SPACE_ND -> ADD pattern
  (the bias becomes an int8 constant added by a separate ADD that carries the fused
  activation), for SAME and VALID padding, divisible or not. The tensors between S2B and
  B2S are stored with batch 1 although at run time they have batch d_h*d_w: TF Lite
  resizes them and matches the float model; TFLite Micro uses the stored shapes and its
  outputs are far off (tens of LSB).
* Conv1D: fixed batch gives RESHAPE -> CONV_2D -> RESHAPE; free batch gives
  EXPAND_DIMS -> CONV_2D -> RESHAPE (dilated: SPACE_TO_BATCH_ND, EXPAND_DIMS, CONV_2D,
  RESHAPE, BATCH_TO_SPACE_ND, ADD). No construct tried gave SQUEEZE.
* Dense on a 3-D input with fixed batch: one FULLY_CONNECTED with keep_num_dims=True.
  With a free batch the converter leaves tensors with dynamic shapes (-1, -1), which the
  reader rejects, so the zoo uses a fixed batch.
* FULLY_CONNECTED weights are per-channel (one scale per output unit) by default in TF
  2.21; entries with per_tensor_dense=True convert with
  `_experimental_disable_per_channel_quantization_for_dense_layers` (one scale, what
  older converters produced).
* Reshapes next to FC/MEAN are folded: GAP -> Reshape(1,1,C) becomes MEAN -> [1,C] and
  the ADD/MUL then broadcasts a rank-2 [1,C] onto [1,H,W,C]; Reshape([HW,C]) -> Dense
  becomes FC keep_num_dims=True on the 4-D tensor; Flatten of a 1x1 pool disappears.
* QUANTIZE (int8 -> int8 requantize): concatenating a LOGISTIC output (fixed scale 1/256,
  zero point -128) with a wider-range tensor. Concatenating conv branches of very
  different ranges does not give one: the quantizer gives all concat inputs the output's
  scale.
* A RELU6 layer that cannot be fused (after CONCATENATION) gets an output scale different
  from its input scale. TFLite Micro's int8 RELU6 ignores the output quantization
  (clamps raw values to [zp_in, q_in(6)]); the TF reference requantizes. So
  relu6_standalone disagrees between the oracles, by design of TFLM. Standalone RELU
  requantizes in both.
* Grouped Conv2D(groups=2) is one CONV_2D whose filter input depth is in_ch / groups.
* Keras/TF refuse layer names with '*', quotes, newlines or backslashes ("not a valid root
  scope name" / "Node name contains invalid characters"); model `odd_names` uses the
  characters that are allowed ('/', '>', '-', '.'). Input names are sanitised
  ('>' -> '_'). Names with '*/' must be patched into the flatbuffer by the test.
* Activations: LeakyReLU (any alpha), PReLU (alpha shaped by shared_axes), the
  MobileNetV3 hard-swish forms (HARD_SWISH), tanh and L2 normalization convert to int8
  ops; a Keras ELU stays float (DEQUANTIZE -> ELU -> QUANTIZE), so int8 ELU is tested on
  hand-built flatbuffers (tests/host_c/test_lut_s8.py), not in the zoo.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import os
import tempfile
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import zoo_binred
import zoo_blocks
import zoo_io
import zoo_nm
import zoo_ops
import zoo_palette
import zoo_shape
import zoo_sparse
import zoo_tconv_matmul

REPO = Path(__file__).resolve().parents[1]
REP_SAMPLES = 48          # representative dataset size used for conversion


@dataclass(frozen=True)
class ZooEntry:
    build: Callable[[], object]          # () -> tf_keras Model with seeded weights
    ops: frozenset[str]                  # builtin op names the converted model contains
    note: str = ""
    per_tensor_dense: bool = False       # convert FC weights per-tensor instead of per-channel
    float_io: bool = False               # keep float32 input/output (QUANTIZE/DEQUANTIZE)


# --------------------------------------------------------------------------- helpers

def _tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    return tf


def _keras():
    _tf()
    import tf_keras
    return tf_keras


def _seed(name: str) -> int:
    return zlib.crc32(name.encode())


def representative(shape, n: int = REP_SAMPLES, seed: int = 0) -> np.ndarray:
    """Float calibration data, [n, *shape]: standard normal (realistic, wide-ish range)."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, *shape)).astype(np.float32)


def _init_weights(model, seed: int, calib: np.ndarray) -> None:
    """Seeded, sensible random weights.

    Kernels: He-normal. Biases: N(0, 0.2) (non-zero). BatchNorm: moving stats set to the
    real statistics of `calib` (one training-mode pass with momentum 0) and then
    perturbed, gamma in [0.6, 1.4], beta N(0, 0.3), so BN outputs are ~N(beta, gamma) and
    ReLUs are neither dead nor always on. Layers named 'logits*' are then rescaled so
    their outputs have std ~2.5 and random per-unit offsets (softmax/sigmoid not
    saturated, classes vary).
    """
    rng = np.random.default_rng(seed)
    bns = []
    for layer in model.layers:
        cls = type(layer).__name__
        new = []
        for w in layer.weights:
            shape = tuple(w.shape)
            short = w.name.split("/")[-1].split(":")[0]
            if short in ("kernel", "depthwise_kernel"):
                if short == "depthwise_kernel":
                    fan_in = int(np.prod(shape[:2]))
                else:
                    fan_in = int(np.prod(shape[:-1]))
                v = rng.standard_normal(shape) * np.sqrt(2.0 / max(fan_in, 1))
            elif short == "bias":
                v = rng.normal(0.0, 0.2, shape)
            elif short == "gamma":
                v = rng.uniform(0.6, 1.4, shape)
            elif short == "beta":
                v = rng.normal(0.0, 0.3, shape)
            elif short == "moving_mean":
                v = np.zeros(shape)
            elif short == "moving_variance":
                v = np.ones(shape)
            else:
                v = rng.standard_normal(shape) * 0.3
            new.append(v.astype(np.float32))
        if new:
            layer.set_weights(new)
        if cls == "BatchNormalization":
            bns.append(layer)
    if bns:
        saved = [b.momentum for b in bns]
        for b in bns:
            b.momentum = 0.0
        model(calib, training=True)       # moving stats := batch stats, all BN at once
        for b, m in zip(bns, saved):
            b.momentum = m
            g, beta, mean, var = b.get_weights()
            std = np.sqrt(var)
            mean = mean + rng.normal(0.0, 0.1, mean.shape) * std
            var = var * rng.uniform(0.8, 1.25, var.shape)
            b.set_weights([g, beta, mean.astype(np.float32), var.astype(np.float32)])
    keras = _keras()
    for layer in model.layers:
        if not layer.name.startswith("logits"):
            continue
        y = keras.Model(model.inputs, layer.output)(calib, training=False).numpy()
        axes = tuple(range(y.ndim - 1))
        mean = y.mean(axis=axes)
        std = float(y.std()) or 1.0
        k = 2.5 / std
        ws = layer.get_weights()
        ws[0] = ws[0] * k
        if len(ws) > 1:
            ws[1] = ((ws[1] - mean) * k + rng.normal(0.0, 0.5, mean.shape)).astype(np.float32)
        layer.set_weights([w.astype(np.float32) for w in ws])


def _model(name: str, shape, body, batch: int | None = 1):
    """Build Input(shape) -> body(x) -> Model, with seeded weights."""
    keras = _keras()
    x = keras.Input(shape, batch_size=batch, name="input")
    model = keras.Model(x, body(x, keras.layers), name=name)
    _init_weights(model, _seed(name), representative(shape, seed=_seed(name) + 1))
    return model


def _calib(model, n: int, seed: int):
    """Calibration data for every input of `model` (input k scaled by 1 + 3k); one array
    for a single-input model, else a list."""
    data = [representative(tuple(t.shape[1:]), n, seed + k) * np.float32(1 + 3 * k)
            for k, t in enumerate(model.inputs)]
    return data[0] if len(data) == 1 else data


def convert(model, per_tensor_dense: bool = False, seed: int = 0,
            n: int = REP_SAMPLES, float_io: bool = False) -> bytes:
    """Full-int8 conversion (int8 input and output, or float32 with `float_io`) with a
    seeded normal representative dataset for every input."""
    tf = _tf()
    data = _calib(model, n, seed)
    data = data if isinstance(data, list) else [data]
    # Several inputs: keyed by input name (the converted model orders inputs its own way).
    names = [t.name.split(":")[0] for t in model.inputs] if len(data) > 1 else None

    def rep():
        for i in range(n):
            row = [d[i:i + 1] for d in data]
            yield dict(zip(names, row)) if names else row

    c = tf.lite.TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = rep
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        c.inference_input_type = tf.int8
        c.inference_output_type = tf.int8
    if per_tensor_dense:
        c._experimental_disable_per_channel_quantization_for_dense_layers = True
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs")
        return c.convert()


# --------------------------------------------------------------------------- builders

def conv_same_relu(x, L):
    return L.Conv2D(8, 3, padding="same", activation="relu")(x)


def conv_valid_s2_relu6(x, L):
    return L.Conv2D(8, 3, strides=2, padding="valid", activation="relu6")(x)


def conv_5x3_s21(x, L):
    x = L.Conv2D(6, (5, 3), strides=(2, 1), padding="same")(x)
    return L.Conv2D(5, (5, 3), strides=(2, 1), padding="valid")(x)


def conv_1x1(x, L):
    return L.Conv2D(12, 1)(x)


def conv_nobias(x, L):
    return L.Conv2D(8, 3, padding="same", use_bias=False)(x)


def conv_same_asym(x, L):
    # 10x7 input: (4,2) kernel stride 1 SAME pads 1/2 rows, 0/1 cols; 3x3 stride 2 SAME
    # on 10x7 pads 0/1 rows, 1/1 cols.
    x = L.Conv2D(6, (4, 2), padding="same", activation="relu")(x)
    return L.Conv2D(6, 3, strides=2, padding="same")(x)


def conv_grouped(x, L):
    return L.Conv2D(8, 3, groups=2, padding="same")(x)


def conv_dilated(x, L):
    x = L.Conv2D(6, 3, dilation_rate=2, padding="same", activation="relu")(x)
    return L.Conv2D(6, 3, dilation_rate=(2, 3), padding="valid")(x)


def dw_dilated(x, L):
    return L.DepthwiseConv2D(3, dilation_rate=2, padding="same")(x)


def conv_dilated_s2b(x, L):
    x = L.Conv2D(6, 3, dilation_rate=2, padding="same", activation="relu")(x)
    return L.Conv2D(6, 3, dilation_rate=2, padding="valid")(x)


def dw_dilated_s2b(x, L):
    return L.DepthwiseConv2D(3, dilation_rate=2, padding="same")(x)


def conv1d(x, L):
    x = L.Conv1D(8, 3, padding="same", activation="relu")(x)
    return L.Conv1D(8, 5, strides=2, padding="valid")(x)


def conv1d_dynbatch(x, L):
    return L.Conv1D(8, 3, padding="valid", activation="relu")(x)


def conv1d_dilated_dynbatch(x, L):
    return L.Conv1D(8, 3, dilation_rate=2, padding="same")(x)


def dw_same_relu6(x, L):
    return L.DepthwiseConv2D(3, padding="same", activation="relu6")(x)


def dw_dm2_s2_valid(x, L):
    return L.DepthwiseConv2D(3, strides=2, depth_multiplier=2, padding="valid",
                             activation="relu")(x)


def dw_s2_same(x, L):
    return L.DepthwiseConv2D(3, strides=2, padding="same")(x)


# Single-op models for the fast kernels' specializations and fallbacks
# (tests/host_c/test_depthwise_conv2d_s8.py, test_add_s8.py, test_avg_pool_s8.py, ...).
def dw3_same(x, L):
    return L.DepthwiseConv2D(3, padding="same")(x)


def dw3_s2_same(x, L):
    return L.DepthwiseConv2D(3, strides=2, padding="same")(x)


def dw3_valid_relu(x, L):
    return L.DepthwiseConv2D(3, padding="valid", activation="relu")(x)


def dw3_s2_valid_relu6(x, L):
    return L.DepthwiseConv2D(3, strides=2, padding="valid", activation="relu6")(x)


def dw3_clamped(x, L):
    # The concatenation gives both branches its wide output scale: the RELU6 branch then
    # clamps inside int8 (act_min > -128, act_max < 127), the other one does not.
    a = L.DepthwiseConv2D(3, padding="same", activation="relu6")(x)
    b = L.DepthwiseConv2D(3, padding="same")(x)
    b = L.Lambda(lambda t: t * 8.0)(b)
    return L.Concatenate()([a, b])


def dw5_same(x, L):
    return L.DepthwiseConv2D(5, padding="same")(x)


def dw3_dm2_same(x, L):
    return L.DepthwiseConv2D(3, depth_multiplier=2, padding="same")(x)


def conv_1x1_s2_o5(x, L):
    return L.Conv2D(5, 1, strides=2)(x)


def conv_1x1_o3(x, L):
    return L.Conv2D(3, 1, activation="relu")(x)


def conv3x3_same_o6(x, L):
    return L.Conv2D(6, 3, padding="same")(x)


def conv10x4_s2_same(x, L):
    return L.Conv2D(8, (10, 4), strides=2, padding="same", activation="relu")(x)


def conv3x3_s2_same_o7(x, L):
    return L.Conv2D(7, 3, strides=2, padding="same")(x)


def fc_odd(x, L):
    return L.Dense(7)(L.Flatten()(x))


def add_same_shape(x, L):
    a = L.Conv2D(5, 1)(x)
    b = L.Conv2D(5, 3, padding="same")(x)
    return L.Add()([a, b])


def add_same_shape_relu(x, L):
    a = L.Conv2D(8, 1)(x)
    b = L.Conv2D(8, 1, use_bias=False)(x)
    b = L.Lambda(lambda t: t * 5.0)(b)
    return L.Activation("relu")(L.Add()([a, b]))


def add_bcast_row(x, L):
    a = L.Conv2D(6, 1)(x)
    b = L.Conv2D(6, 1)(L.AveragePooling2D((x.shape[1], 1))(x))   # [1,1,W,C]
    return L.Add()([a, b])


def avgpool_global_odd(x, L):
    return L.AveragePooling2D(pool_size=tuple(x.shape[1:3]))(x)


def avgpool_s1_same(x, L):
    return L.AveragePooling2D(3, strides=1, padding="same")(x)


def avgpool_2x2_valid(x, L):
    return L.AveragePooling2D(2)(x)


def maxpool_s1_same(x, L):
    return L.MaxPooling2D(3, strides=1, padding="same")(x)


def maxpool_2x2_valid(x, L):
    return L.MaxPooling2D(2)(x)


def fc_relu(x, L):
    x = L.Flatten()(x)
    x = L.Dense(16, activation="relu")(x)
    return L.Dense(10)(x)


def fc_nobias(x, L):
    return L.Dense(12, use_bias=False)(L.Flatten()(x))


def fc_3d(x, L):
    return L.Dense(6)(x)


def pool_avg(x, L):
    x = L.AveragePooling2D(3, strides=2, padding="same")(x)     # 9x8 -> 5x4, clipped
    x = L.AveragePooling2D((2, 3), strides=(1, 1), padding="valid")(x)
    return L.AveragePooling2D(2, strides=2, padding="same")(x)  # 4x2 -> 2x1


def pool_max(x, L):
    x = L.MaxPooling2D(3, strides=2, padding="same")(x)
    x = L.MaxPooling2D((2, 3), strides=(1, 1), padding="valid")(x)
    return L.MaxPooling2D(2, strides=2, padding="same")(x)


def add_residual(x, L):
    a = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    b = L.Conv2D(8, 3, padding="same")(a)
    return L.Add()([a, b])


def add_broadcast(x, L):
    a = L.Conv2D(8, 3, padding="same")(x)
    g = L.GlobalAveragePooling2D(keepdims=True)(a)           # [1,1,1,C]
    return L.Add()([a, g])


def add_broadcast_reshape(x, L):
    a = L.Conv2D(8, 1)(x)
    g = L.Reshape((1, 1, 8))(L.GlobalAveragePooling2D()(a))
    return L.Add()([a, g])


def add_relu(x, L):
    a = L.Conv2D(8, 1)(x)
    b = L.Conv2D(8, 3, padding="same")(x)
    return L.ReLU()(L.Add()([a, b]))


def mul_se(x, L):
    a = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    s = L.GlobalAveragePooling2D()(a)
    s = L.Dense(4, activation="relu")(s)
    s = L.Dense(8, name="logits_se")(s)
    s = L.Activation("sigmoid")(s)
    s = L.Reshape((1, 1, 8))(s)
    return L.Multiply()([a, s])


def mul_same_shape(x, L):
    a = L.Conv2D(6, 1)(x)
    b = L.Conv2D(6, 3, padding="same")(x)
    return L.Multiply()([a, b])


def softmax_head(x, L):
    x = L.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    x = L.GlobalAveragePooling2D()(x)
    x = L.Dense(10, name="logits")(x)
    return L.Softmax()(x)


def mean_keepdims(x, L):
    x = L.Conv2D(8, 3, padding="same")(x)
    return L.GlobalAveragePooling2D(keepdims=True)(x)


def pad_asym(x, L):
    x = L.ZeroPadding2D(((1, 2), (0, 3)))(x)
    return L.Conv2D(6, 3)(x)


def concat_channels(x, L):
    a = L.Conv2D(4, 1)(x)
    b = L.Conv2D(6, 3, padding="same", activation="relu")(x)
    return L.Concatenate(axis=-1)([a, b])


def concat_axis1(x, L):
    a = L.Conv2D(4, 1)(x)
    b = L.Conv2D(4, 3, strides=(2, 1), padding="same")(x)
    return L.Concatenate(axis=1)([a, b])


def concat_axis2_ranges(x, L):
    a = L.Conv2D(4, 1)(x)
    b = L.Conv2D(4, (1, 3), padding="valid")(x)
    b = L.Lambda(lambda t: t * 20.0)(b)          # very different range; still no QUANTIZE
    return L.Concatenate(axis=2)([a, b])


def quantize_requant(x, L):
    f = L.Flatten()(x)
    s = L.Dense(6, name="logits_q")(f)
    s = L.Activation("sigmoid")(s)                 # fixed output scale 1/256, zp -128
    d = L.Dense(6)(f)
    return L.Concatenate()([s, d])               # LOGISTIC output is requantized


def logistic_out(x, L):
    x = L.Dense(8, name="logits")(L.Flatten()(x))
    return L.Activation("sigmoid")(x)


def relu_standalone(x, L):
    a = L.Conv2D(4, 1)(x)
    b = L.Conv2D(4, 3, padding="same")(x)
    return L.ReLU()(L.Concatenate()([a, b]))


def relu6_standalone(x, L):
    a = L.Conv2D(4, 1)(x)
    b = L.Conv2D(4, 3, padding="same")(x)
    return L.ReLU(6.0)(L.Concatenate()([a, b]))


def reshape_dense(x, L):
    x = L.Conv2D(4, 3, strides=2, padding="same", activation="relu")(x)
    x = L.Reshape((-1, 4))(x)                    # [1, H*W, 4]
    x = L.Dense(5)(x)                            # keep_num_dims FC
    return L.Flatten()(x)


def odd_names(x, L):
    x = L.Conv2D(4, 3, padding="same", name="blk/conv>1-x.y")(x)
    return L.Activation("relu", name="out.1>z")(x)


# ---------------------------------------------------------------- MLPerf Tiny models

def ds_cnn(x, L):
    """KWS DS-CNN (mlcommons/tiny keyword_spotting keras_model.py, model 'ds_cnn')."""
    filters = 64
    x = L.Conv2D(filters, (10, 4), strides=(2, 2), padding="same")(x)
    x = L.BatchNormalization()(x)
    x = L.Activation("relu")(x)
    for _ in range(4):
        x = L.DepthwiseConv2D((3, 3), depth_multiplier=1, padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.Activation("relu")(x)
        x = L.Conv2D(filters, (1, 1), padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.Activation("relu")(x)
    x = L.AveragePooling2D(pool_size=(24, 5))(x)   # (49//2, 10//2); VALID on 25x5
    x = L.Flatten()(x)
    x = L.Dense(12, name="logits")(x)
    return L.Activation("softmax")(x)


def mobilenet_v1_025(x, L):
    """VWW MobileNetV1 alpha 0.25, 96x96x3, 2 classes (mlcommons/tiny vww_model.py)."""
    def bn_relu(t):
        return L.Activation("relu")(L.BatchNormalization()(t))

    x = bn_relu(L.Conv2D(8, 3, strides=2, padding="same")(x))
    for filters, stride in [(16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2),
                            (128, 1), (128, 1), (128, 1), (128, 1), (128, 1),
                            (256, 2), (256, 1)]:
        x = bn_relu(L.DepthwiseConv2D(3, strides=stride, padding="same")(x))
        x = bn_relu(L.Conv2D(filters, 1, padding="same")(x))
    x = L.AveragePooling2D(pool_size=tuple(x.shape[1:3]))(x)
    x = L.Flatten()(x)
    x = L.Dense(2, name="logits")(x)
    return L.Activation("softmax")(x)


def resnet8(x, L):
    """IC ResNet-8 (mlcommons/tiny image_classification keras_model.py resnet_v1_eembc)."""
    def bn(t):
        return L.BatchNormalization()(t)

    x = L.Activation("relu")(bn(L.Conv2D(16, 3, padding="same")(x)))
    # stack 1
    y = L.Activation("relu")(bn(L.Conv2D(16, 3, padding="same")(x)))
    y = bn(L.Conv2D(16, 3, padding="same")(y))
    x = L.Activation("relu")(L.Add()([x, y]))
    # stacks 2 and 3: strided, 1x1 strided shortcut without BN
    for filters in (32, 64):
        y = L.Activation("relu")(bn(L.Conv2D(filters, 3, strides=2, padding="same")(x)))
        y = bn(L.Conv2D(filters, 3, padding="same")(y))
        s = L.Conv2D(filters, 1, strides=2, padding="same")(x)
        x = L.Activation("relu")(L.Add()([s, y]))
    x = L.AveragePooling2D(pool_size=int(min(x.shape[1:3])))(x)
    x = L.Flatten()(x)
    x = L.Dense(10, name="logits")(x)
    return L.Activation("softmax")(x)


def fc_autoencoder(x, L):
    """AD FC autoencoder (mlcommons/tiny anomaly_detection keras_model.py), input 640."""
    def dbr(t, units):
        return L.Activation("relu")(L.BatchNormalization()(L.Dense(units)(t)))

    for _ in range(4):
        x = dbr(x, 128)
    x = dbr(x, 8)
    for _ in range(4):
        x = dbr(x, 128)
    return L.Dense(640)(x)


# ---------------------------------------------------- activations and L2 normalization

def leaky_relu_conv(x, L, alpha=0.1):
    return L.LeakyReLU(alpha)(L.Conv2D(5, 3, padding="same")(x))


def leaky_relu_alpha2(x, L):
    return L.LeakyReLU(2.0)(L.Conv2D(3, 1)(x))


def leaky_relu_neg_dense(x, L):
    return L.LeakyReLU(-0.5)(L.Dense(11)(x))


def hard_swish_mnv3(x, L):
    """MobileNetV3's hard_swish (keras.applications): x * ReLU6(x + 3) / 6."""
    x = L.Conv2D(8, 3, padding="same")(x)
    return L.Multiply()([x, L.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)])


def hard_swish_relu6(x, L):
    import tensorflow as tf
    x = L.DepthwiseConv2D(3, padding="same")(x)
    return L.Lambda(lambda t: t * tf.nn.relu6(t + 3.0) / 6.0)(x)


def hard_swish_dense(x, L):
    x = L.Dense(10, name="logits_hs")(x)               # std ~2.5: both kinks and the tails
    return L.Multiply()([x, L.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)])


def tanh_conv(x, L):
    return L.Activation("tanh")(L.Conv2D(4, 3, padding="same")(x))


def tanh_dense(x, L):
    return L.Dense(9, activation="tanh")(x)


def tanh_saturating(x, L):
    return L.Activation("tanh")(L.Dense(9, name="logits_tanh")(L.Flatten()(x)))


def prelu_full(x, L):
    return L.PReLU()(L.Conv2D(4, 3, padding="same")(x))


def prelu_shared(x, L, axes=(1, 2)):
    return L.PReLU(shared_axes=list(axes))(L.Conv2D(6, 3, padding="same")(x))


def prelu_shared_c(x, L):
    return prelu_shared(x, L, (3,))


def prelu_shared_all(x, L):
    return prelu_shared(x, L, (1, 2, 3))


def prelu_dense(x, L):
    return L.PReLU()(L.Dense(9)(x))


def l2norm_conv(x, L):
    import tensorflow as tf
    x = L.Conv2D(7, 3, padding="same")(x)
    return L.Lambda(lambda t: tf.math.l2_normalize(t, axis=-1))(x)


def unit_norm_dense(x, L):
    return L.UnitNormalization()(L.Dense(9)(x))


def unit_norm_3d(x, L):
    return L.UnitNormalization(axis=-1)(L.Dense(64)(x))



# --------------------------------------------------------------------------- registry

_SPECS = {
    # ---- CONV_2D
    "conv_same_relu": (conv_same_relu, (8, 8, 3), {"CONV_2D"},
                       "3x3 SAME stride 1, fused RELU"),
    "conv_valid_s2_relu6": (conv_valid_s2_relu6, (9, 9, 4), {"CONV_2D"},
                            "3x3 VALID stride 2, fused RELU6"),
    "conv_5x3_s21": (conv_5x3_s21, (13, 7, 2), {"CONV_2D"},
                     "5x3 kernel stride (2,1), SAME then VALID"),
    "conv_1x1": (conv_1x1, (6, 5, 7), {"CONV_2D"}, "1x1 conv"),
    "conv_nobias": (conv_nobias, (7, 7, 3), {"CONV_2D"},
                    "use_bias=False: CONV_2D has no bias input (-1)"),
    "conv_same_asym": (conv_same_asym, (10, 7, 3), {"CONV_2D"},
                       "asymmetric SAME padding: (4,2) kernel s1 (rows 1/2, cols 0/1), "
                       "3x3 s2 on 10x7 (rows 0/1)"),
    "conv_grouped": (conv_grouped, (6, 6, 4), {"CONV_2D"},
                     "Conv2D(groups=2): one CONV_2D, filter [8,3,3,2] (in_ch/groups)"),
    "conv_dilated": (conv_dilated, (11, 12, 3), {"CONV_2D"},
                     "fixed batch: dilation fused into CONV_2D dilation factors; SAME d=2 "
                     "and VALID d=(2,3)"),
    "dw_dilated": (dw_dilated, (9, 9, 4), {"DEPTHWISE_CONV_2D"},
                   "fixed batch: DEPTHWISE_CONV_2D SAME with dilation 2"),
    "conv_dilated_s2b": (conv_dilated_s2b, (9, 9, 3),
                         {"SPACE_TO_BATCH_ND", "CONV_2D", "BATCH_TO_SPACE_ND", "ADD"},
                         "free batch: dilated convs (SAME d=2 on 9x9, VALID d=2) stay as "
                         "SPACE_TO_BATCH_ND -> CONV_2D(VALID, zero bias) -> "
                         "BATCH_TO_SPACE_ND -> ADD(int8 const bias, fused RELU/NONE); "
                         "intermediate tensors are stored with batch 1 (really 4)",
                         None),
    "dw_dilated_s2b": (dw_dilated_s2b, (9, 9, 4),
                       {"SPACE_TO_BATCH_ND", "DEPTHWISE_CONV_2D", "BATCH_TO_SPACE_ND",
                        "ADD"},
                       "free batch: dilated depthwise SAME on 9x9 -> S2B, DW, B2S, bias ADD",
                       None),
    "conv1d": (conv1d, (17, 3), {"RESHAPE", "CONV_2D"},
               "fixed batch Conv1D: RESHAPE -> CONV_2D -> RESHAPE"),
    "conv1d_dynbatch": (conv1d_dynbatch, (17, 3), {"EXPAND_DIMS", "CONV_2D", "RESHAPE"},
                        "free batch Conv1D: EXPAND_DIMS -> CONV_2D -> RESHAPE", None),
    "conv1d_dilated_dynbatch": (conv1d_dilated_dynbatch, (17, 3),
                                {"SPACE_TO_BATCH_ND", "EXPAND_DIMS", "CONV_2D", "RESHAPE",
                                 "BATCH_TO_SPACE_ND", "ADD"},
                                "free batch dilated Conv1D SAME: S2B, EXPAND_DIMS, CONV_2D, "
                                "RESHAPE, B2S, bias ADD", None),
    # ---- DEPTHWISE_CONV_2D
    "dw_same_relu6": (dw_same_relu6, (8, 8, 6), {"DEPTHWISE_CONV_2D"},
                      "depth_multiplier 1, SAME, fused RELU6"),
    "dw_dm2_s2_valid": (dw_dm2_s2_valid, (9, 9, 3), {"DEPTHWISE_CONV_2D"},
                        "depth_multiplier 2, stride 2, VALID, fused RELU"),
    "dw_s2_same": (dw_s2_same, (10, 9, 5), {"DEPTHWISE_CONV_2D"},
                   "stride 2 SAME on even/odd sizes (asymmetric padding)"),
    # ---- fast-kernel specializations and fallbacks (single ops)
    "conv1x1_s2_c8_o5": (conv_1x1_s2_o5, (7, 7, 8), {"CONV_2D"},
                         "1x1 stride 2 (td_conv2d_1x1_s8), odd output channels"),
    "conv1x1_c16_o3": (conv_1x1_o3, (5, 3, 16), {"CONV_2D"},
                       "1x1, odd pixel count and output channels, fused RELU"),
    "conv3x3_same_c8_o6": (conv3x3_same_o6, (6, 7, 8), {"CONV_2D"},
                           "im2col, whole-word channels: interior rows and clipped borders"),
    "conv10x4_s2_c1": (conv10x4_s2_same, (15, 8, 1), {"CONV_2D"},
                       "im2col, one input channel (the KWS first layer's shape)"),
    "conv3x3_s2_same_c3_o7": (conv3x3_s2_same_o7, (9, 9, 3), {"CONV_2D"},
                              "im2col, few channels: word-copied rows, border rows, odd oc"),
    "fc_odd_13_7": (fc_odd, (13,), {"FULLY_CONNECTED"},
                    "4-row FC with three leftover rows and a partial last input word"),
    "dw3_same_c4": (dw3_same, (6, 5, 4), {"DEPTHWISE_CONV_2D"},
                    "3x3 s1 SAME, one group of 4 channels, interior and border pixels"),
    "dw3_same_c5": (dw3_same, (7, 6, 5), {"DEPTHWISE_CONV_2D"},
                    "3x3 s1 SAME, 5 channels: one group and a tail channel"),
    "dw3_same_c3": (dw3_same, (5, 5, 3), {"DEPTHWISE_CONV_2D"},
                    "3x3 s1 SAME, 3 channels: tail only"),
    "dw3_same_c7_rows2": (dw3_same, (2, 6, 7), {"DEPTHWISE_CONV_2D"},
                          "3x3 SAME on 2 rows: no interior row"),
    "dw3_same_c8_col1": (dw3_same, (5, 1, 8), {"DEPTHWISE_CONV_2D"},
                         "3x3 SAME on 1 column: no interior column"),
    "dw3_s2_same_c12_even": (dw3_s2_same, (8, 10, 12), {"DEPTHWISE_CONV_2D"},
                             "3x3 s2 SAME on even sizes: padding bottom/right only"),
    "dw3_s2_same_c7_odd": (dw3_s2_same, (9, 7, 7), {"DEPTHWISE_CONV_2D"},
                           "3x3 s2 SAME on odd sizes: padding on every side"),
    "dw3_valid_relu_c16": (dw3_valid_relu, (6, 7, 16), {"DEPTHWISE_CONV_2D"},
                           "3x3 s1 VALID, RELU: interior pixels only"),
    "dw3_s2_valid_relu6_c6": (dw3_s2_valid_relu6, (9, 8, 6), {"DEPTHWISE_CONV_2D"},
                              "3x3 s2 VALID, RELU6"),
    "dw3_clamped_c4": (dw3_clamped, (6, 6, 4), {"DEPTHWISE_CONV_2D", "CONCATENATION"},
                       "RELU6 whose range is inside int8 (concat scale): clamped outputs"),
    "dw5_same_c4": (dw5_same, (7, 7, 4), {"DEPTHWISE_CONV_2D"},
                    "5x5 SAME: general kernel (fallback)"),
    "dw3_dm2_same_c3": (dw3_dm2_same, (6, 6, 3), {"DEPTHWISE_CONV_2D"},
                        "depth multiplier 2: general kernel (fallback)"),
    "add_same_shape_c5": (add_same_shape, (5, 7, 3), {"CONV_2D", "ADD"},
                          "same-shape ADD, 175 elements (not a multiple of 4)"),
    "add_same_shape_relu_c8": (add_same_shape_relu, (6, 6, 3), {"CONV_2D", "ADD"},
                               "same-shape ADD, inputs of 5x different scales, RELU"),
    "add_bcast_row": (add_bcast_row, (5, 4, 3), {"CONV_2D", "AVERAGE_POOL_2D", "ADD"},
                      "ADD [1,H,W,C] + [1,1,W,C] (broadcast over rows)"),
    "avgpool_global_c5": (avgpool_global_odd, (7, 5, 5), {"AVERAGE_POOL_2D"},
                          "global 7x5 average pool, 5 channels"),
    "avgpool_global_c64": (avgpool_global_odd, (25, 5, 64), {"AVERAGE_POOL_2D"},
                           "global 25x5 average pool, 64 channels (the kws head)"),
    "avgpool_s1_same_c6": (avgpool_s1_same, (5, 6, 6), {"AVERAGE_POOL_2D"},
                           "3x3 s1 SAME: clipped windows on every side"),
    "avgpool_2x2_valid_c3": (avgpool_2x2_valid, (7, 6, 3), {"AVERAGE_POOL_2D"},
                             "2x2 s2 VALID, odd rows dropped, 3 channels"),
    "maxpool_s1_same_c6": (maxpool_s1_same, (5, 6, 6), {"MAX_POOL_2D"},
                           "3x3 s1 SAME: clipped windows on every side"),
    "maxpool_2x2_valid_c5": (maxpool_2x2_valid, (7, 6, 5), {"MAX_POOL_2D"},
                             "2x2 s2 VALID, 5 channels"),
    # ---- FULLY_CONNECTED
    "fc_relu": (fc_relu, (4, 3, 2), {"RESHAPE", "FULLY_CONNECTED"},
                "Flatten -> FC(RELU) -> FC; per-channel weights (TF 2.21 default)"),
    "fc_relu_per_tensor": (fc_relu, (4, 3, 2), {"RESHAPE", "FULLY_CONNECTED"},
                           "as fc_relu but per-tensor FC weights", 1, True),
    "fc_nobias": (fc_nobias, (5, 4), {"RESHAPE", "FULLY_CONNECTED"},
                  "FC without bias"),
    "fc_3d": (fc_3d, (6, 7), {"FULLY_CONNECTED"},
              "Dense on [1,T,F]: one FC with keep_num_dims=True"),
    "fc_3d_per_tensor": (fc_3d, (6, 7), {"FULLY_CONNECTED"},
                         "Dense on [1,T,F], keep_num_dims, per-tensor weights", 1, True),
    # ---- pooling
    "pool_avg": (pool_avg, (9, 8, 4), {"AVERAGE_POOL_2D"},
                 "3x3/2 SAME with clipped border windows, (2,3)/1 VALID, 2x2/2 SAME"),
    "pool_max": (pool_max, (9, 8, 4), {"MAX_POOL_2D"},
                 "3x3/2 SAME with clipped border windows, (2,3)/1 VALID, 2x2/2 SAME"),
    # ---- ADD / MUL
    "add_residual": (add_residual, (6, 6, 3), {"CONV_2D", "ADD"},
                     "same-shape ADD (residual)"),
    "add_broadcast": (add_broadcast, (6, 5, 3), {"CONV_2D", "MEAN", "ADD"},
                      "ADD [1,H,W,C] + [1,1,1,C] (MEAN keep_dims)"),
    "add_broadcast_reshape": (add_broadcast_reshape, (5, 5, 3), {"CONV_2D", "MEAN", "ADD"},
                              "GAP -> Reshape(1,1,C) -> ADD: the converter folds the "
                              "reshape; ADD broadcasts a rank-2 [1,C] onto [1,H,W,C]"),
    "add_relu": (add_relu, (6, 6, 3), {"CONV_2D", "ADD"}, "ADD with fused RELU"),
    "mul_se": (mul_se, (6, 6, 3),
               {"CONV_2D", "MEAN", "FULLY_CONNECTED", "LOGISTIC", "MUL"},
               "squeeze-excitation: MEAN (keep_dims False) -> [1,C], FC, LOGISTIC, "
               "MUL broadcasting rank-2 [1,C] onto [1,H,W,C] (the Reshape is folded)"),
    "mul_same_shape": (mul_same_shape, (5, 5, 3), {"CONV_2D", "MUL"},
                       "same-shape MUL"),
    # ---- misc
    "softmax_head": (softmax_head, (8, 8, 3),
                     {"CONV_2D", "MEAN", "FULLY_CONNECTED", "SOFTMAX"},
                     "classifier head"),
    "mean_keepdims": (mean_keepdims, (5, 6, 4), {"CONV_2D", "MEAN"},
                      "GlobalAveragePooling2D(keepdims=True): MEAN keep_dims"),
    "pad_asym": (pad_asym, (5, 5, 3), {"PAD", "CONV_2D"},
                 "ZeroPadding2D(((1,2),(0,3))) -> PAD then VALID conv"),
    "concat_channels": (concat_channels, (5, 5, 3), {"CONV_2D", "CONCATENATION"},
                        "concat on channels"),
    "concat_axis1": (concat_axis1, (6, 5, 3), {"CONV_2D", "CONCATENATION"},
                     "concat on axis 1 (H)"),
    "concat_axis2_ranges": (concat_axis2_ranges, (5, 6, 3), {"CONV_2D", "CONCATENATION"},
                            "concat on axis 2 (W) of branches with 20x different range; "
                            "converter shares the output scale (no QUANTIZE)"),
    "quantize_requant": (quantize_requant, (4, 4, 2),
                         {"RESHAPE", "FULLY_CONNECTED", "LOGISTIC", "QUANTIZE",
                          "CONCATENATION"},
                         "LOGISTIC output (scale 1/256) concatenated with an FC output: "
                         "int8->int8 QUANTIZE before CONCATENATION"),
    "logistic_out": (logistic_out, (4, 4, 2), {"RESHAPE", "FULLY_CONNECTED", "LOGISTIC"},
                     "sigmoid output"),
    "relu_standalone": (relu_standalone, (5, 5, 3), {"CONV_2D", "CONCATENATION", "RELU"},
                        "RELU after CONCATENATION (not fusable)"),
    "relu6_standalone": (relu6_standalone, (5, 5, 3),
                         {"CONV_2D", "CONCATENATION", "RELU6"},
                         "RELU6 after CONCATENATION (not fusable); in/out scales differ, "
                         "TFLM ignores the output scale (see module doc)"),
    "reshape_dense": (reshape_dense, (8, 8, 3), {"CONV_2D", "RESHAPE", "FULLY_CONNECTED"},
                      "the Reshape to [1,HW,C] is folded: FC keep_num_dims=True directly "
                      "on the 4-D [1,4,4,4] -> [1,4,4,5], then RESHAPE (Flatten)"),
    "odd_names": (odd_names, (5, 5, 3), {"CONV_2D"},
                  "layer names with '/', '>', '-', '.'; Keras rejects '*', quotes, "
                  "newlines and backslashes"),
    # ---- MLPerf Tiny
    "ds_cnn": (ds_cnn, (49, 10, 1),
               {"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "FULLY_CONNECTED",
                "SOFTMAX"},
               "MLPerf Tiny KWS DS-CNN, ~2.66 M MACs (Flatten of the 1x1 pool is folded)"),
    "mobilenet_v1_025": (mobilenet_v1_025, (96, 96, 3),
                         {"CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D",
                          "FULLY_CONNECTED", "SOFTMAX"},
                         "MLPerf Tiny VWW MobileNetV1 0.25, ~7.49 M MACs"),
    "resnet8": (resnet8, (32, 32, 3),
                {"CONV_2D", "ADD", "AVERAGE_POOL_2D", "FULLY_CONNECTED", "SOFTMAX"},
                "MLPerf Tiny IC ResNet-8, ~12.5 M MACs"),
    "fc_autoencoder": (fc_autoencoder, (640,), {"FULLY_CONNECTED"},
                       "MLPerf Tiny AD FC autoencoder, ~0.26 M MACs"),
    # ---- shape / data movement (tests/zoo_shape.py)
    **zoo_shape.SPECS,
    # ---- issue 10: SUB, MAXIMUM/MINIMUM, SQUARED_DIFFERENCE, MEAN/SUM/REDUCE_MAX
    **zoo_binred.SPECS,
    # ---- activations and L2 normalization (td_lut_s8, td_prelu_s8, td_l2norm_s8)
    "leaky_relu_c5": (leaky_relu_conv, (7, 6, 3), {"CONV_2D", "LEAKY_RELU"},
                      "LeakyReLU(0.1) after a conv, 5 channels"),
    "leaky_relu_alpha2": (leaky_relu_alpha2, (5, 7, 4), {"CONV_2D", "LEAKY_RELU"},
                          "LeakyReLU(2.0): alpha > 1 (the negative side steeper)"),
    "leaky_relu_neg_dense": (leaky_relu_neg_dense, (13,), {"FULLY_CONNECTED", "LEAKY_RELU"},
                             "LeakyReLU(-0.5) on [1,11]: a negative alpha"),
    "hard_swish_mnv3": (hard_swish_mnv3, (6, 5, 3), {"CONV_2D", "HARD_SWISH"},
                        "MobileNetV3 hard_swish (Multiply(x, ReLU6(x+3)/6)) fused to HARD_SWISH"),
    "hard_swish_relu6": (hard_swish_relu6, (9, 4, 6), {"DEPTHWISE_CONV_2D", "HARD_SWISH"},
                         "x * tf.nn.relu6(x + 3) / 6 fused to HARD_SWISH"),
    "hard_swish_dense": (hard_swish_dense, (7,), {"FULLY_CONNECTED", "HARD_SWISH"},
                         "HARD_SWISH on [1,10] spanning both kinks and saturation"),
    "tanh_conv": (tanh_conv, (5, 6, 3), {"CONV_2D", "TANH"}, "Activation('tanh')"),
    "tanh_dense": (tanh_dense, (7,), {"FULLY_CONNECTED", "TANH"},
                   "Dense(activation='tanh'): FC then TANH (not fused)"),
    "tanh_saturating": (tanh_saturating, (3, 5, 2), {"RESHAPE", "FULLY_CONNECTED", "TANH"},
                        "tanh of std-2.5 logits: many inputs beyond the saturation radius"),
    "prelu_full": (prelu_full, (6, 5, 3), {"CONV_2D", "PRELU"},
                   "PReLU(): alpha [H,W,C], same size as the input (flat loop)"),
    "prelu_shared_hw": (prelu_shared, (7, 5, 3), {"CONV_2D", "PRELU"},
                        "PReLU(shared_axes=[1,2]): one alpha per channel [1,1,C]"),
    "prelu_shared_c": (prelu_shared_c, (5, 3, 2), {"CONV_2D", "PRELU"},
                       "PReLU(shared_axes=[3]): alpha [H,W,1] broadcast over channels"),
    "prelu_shared_all": (prelu_shared_all, (4, 5, 3), {"CONV_2D", "PRELU"},
                         "PReLU(shared_axes=[1,2,3]): one alpha [1,1,1]"),
    "prelu_dense": (prelu_dense, (7,), {"FULLY_CONNECTED", "PRELU"},
                    "PReLU after Dense: alpha [9] on [1,9]"),
    "l2norm_conv": (l2norm_conv, (5, 6, 3), {"CONV_2D", "L2_NORMALIZATION"},
                    "tf.math.l2_normalize(axis=-1) on [1,H,W,7]"),
    "unit_norm_dense": (unit_norm_dense, (7,), {"FULLY_CONNECTED", "L2_NORMALIZATION"},
                        "UnitNormalization on [1,9]"),
    "unit_norm_3d": (unit_norm_3d, (6, 7), {"FULLY_CONNECTED", "L2_NORMALIZATION"},
                     "UnitNormalization(-1) on the keep_num_dims FC output [1,6,64]"),
    # ---- TRANSPOSE_CONV, BATCH_MATMUL (zoo_tconv_matmul.py)
    **zoo_tconv_matmul.SPECS,
    # ---- whole blocks: MobileNetV3, U-Net, MultiHeadAttention (zoo_blocks.py)
    **zoo_blocks.SPECS,
    # ---- issue 20: ABS, RSQRT, REVERSE_V2, MIRROR_PAD (zoo_ops.py)
    **zoo_ops.SPECS,
}

MLPERF = ("ds_cnn", "mobilenet_v1_025", "resnet8", "fc_autoencoder")
MLPERF_MACS = {"ds_cnn": 2.66e6, "mobilenet_v1_025": 7.49e6, "resnet8": 12.5e6,
               "fc_autoencoder": 0.26e6}


def _make_entry(name, spec) -> ZooEntry:
    body, shape, ops, note, *rest = spec
    batch = rest[0] if len(rest) > 0 else 1
    per_tensor = rest[1] if len(rest) > 1 else False

    def build():
        return _model(name, shape, body, batch)

    build.__name__ = f"build_{name}"
    build.__qualname__ = build.__name__
    return ZooEntry(build=build, ops=frozenset(ops), note=note, per_tensor_dense=per_tensor)


MODELS: dict[str, ZooEntry] = {n: _make_entry(n, s) for n, s in _SPECS.items()}


# ---- model I/O: several inputs/outputs, float I/O, ARG_MAX/ARG_MIN (tests/zoo_io.py)
def _make_io_entry(name, spec) -> ZooEntry:
    make, ops, note, float_io = spec

    def build():
        model = make(_keras())
        _init_weights(model, _seed(name), _calib(model, REP_SAMPLES, _seed(name) + 1))
        return model

    build.__name__ = f"build_{name}"
    build.__qualname__ = build.__name__
    return ZooEntry(build=build, ops=frozenset(ops), note=note, float_io=float_io)


MODELS.update({n: _make_io_entry(n, s) for n, s in zoo_io.IO_SPECS.items()})


# ---- pruned models of the sparse and 2:4 weight encodings (tests/zoo_sparse.py, zoo_nm.py)
def _make_pruned_entry(name, spec, prune=zoo_sparse.prune) -> ZooEntry:
    body, shape, ops, note, per_tensor, edit = spec

    def build():
        model = _model(name, shape, body)
        prune(model)
        if edit is not None:
            edit(model)
        return model

    build.__name__ = f"build_{name}"
    build.__qualname__ = build.__name__
    return ZooEntry(build=build, ops=frozenset(ops), note=note, per_tensor_dense=per_tensor)


# ---- weight encodings (issue 19): clustered models (tests/zoo_palette.py)
def _make_clustered_entry(name, spec) -> ZooEntry:
    body, shape, ops, note, per_tensor, cluster = spec

    def build():
        model = _model(name, shape, body)
        cluster(model)
        return model
    build.__name__ = f"build_{name}"
    build.__qualname__ = build.__name__
    return ZooEntry(build=build, ops=frozenset(ops), note=note, per_tensor_dense=per_tensor)


MODELS.update({n: _make_pruned_entry(n, s) for n, s in zoo_sparse.SPECS.items()})
MODELS.update({n: _make_clustered_entry(n, s) for n, s in zoo_palette.SPECS.items()})
MODELS.update({n: _make_pruned_entry(n, s, zoo_nm.prune) for n, s in zoo_nm.SPECS.items()})


# --------------------------------------------------------------------------- cache

def _tf_version() -> str:
    for dist in ("tensorflow", "tensorflow-cpu"):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return _tf().__version__


def cache_dir() -> Path:
    """Directory holding this zoo version's .tflite files."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    for part in sorted(Path(__file__).parent.glob("zoo_*.py")):   # builders kept beside
        h.update(part.read_bytes())
    h.update(_tf_version().encode())
    root = Path(os.environ.get("TD_ZOO_CACHE") or REPO / ".pytest_cache" / "td-zoo")
    return root / h.hexdigest()[:16]


def build(name: str):
    """The seeded Keras model of entry `name` (fresh Keras session for stable names)."""
    keras = _keras()
    keras.backend.clear_session()
    return MODELS[name].build()


def tflite_path(name: str) -> Path:
    """Path of the converted full-int8 model `name`, converting on first use."""
    if name not in MODELS:
        raise KeyError(f"unknown zoo model {name!r}; known: {', '.join(MODELS)}")
    d = cache_dir()
    path = d / f"{name}.tflite"
    if path.exists():
        return path
    d.mkdir(parents=True, exist_ok=True)
    # One converter per model across xdist workers: the others wait on the lock and then
    # find the file. The write itself is atomic (temp file + os.replace) regardless.
    with open(d / f".{name}.lock", "a+b") as lock:
        try:
            import fcntl
            fcntl.flock(lock, fcntl.LOCK_EX)
        except (ImportError, OSError):
            pass
        if path.exists():
            return path
        data = convert(build(name), per_tensor_dense=MODELS[name].per_tensor_dense,
                       float_io=MODELS[name].float_io)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=d)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    return path


# --------------------------------------------------------------------------- inputs

def _input_spec(path: Path):
    from tinydeploy.compiler.reader import parse
    g = parse(Path(path).read_bytes(), name=Path(path).stem)
    t = g.tensors[g.inputs[0]]
    if t.quant is not None:
        scale, zp = float(t.quant.scale[0]), int(t.quant.zero_point[0])
    else:
        scale, zp = 1.0, 0
    return t.shape, scale, zp


def random_inputs(path_or_name, n: int, seed: int) -> np.ndarray:
    """int8 inputs [n, *input_shape_without_batch]: the first half uniform over the full
    int8 range, the rest standard-normal data quantized with the input's scale/zero point
    (the distribution the model was calibrated on)."""
    if isinstance(path_or_name, str) and path_or_name in MODELS:
        path = tflite_path(path_or_name)
    else:
        path = Path(path_or_name)
    shape, scale, zp = _input_spec(path)
    shape = tuple(shape[1:]) if len(shape) > 1 else tuple(shape)
    rng = np.random.default_rng(seed)
    n_uni = (n + 1) // 2
    uni = rng.integers(-128, 128, size=(n_uni, *shape), dtype=np.int64)
    real = rng.standard_normal((n - n_uni, *shape))
    q = np.clip(np.round(real / scale) + zp, -128, 127)
    return np.concatenate([uni, q.astype(np.int64)]).astype(np.int8)


def random_inputs_all(path_or_name, n: int, seed: int) -> list[np.ndarray]:
    """One batch-first array per model input: int8 inputs as random_inputs (input 0 with
    `seed`, input k with seed + k); float32 inputs standard normal scaled to the int8 side's
    range, with values at rounding ties (x = (k + 0.5) * scale) and beyond the int8 range."""
    path = tflite_path(path_or_name) if isinstance(path_or_name, str) and path_or_name in MODELS \
        else Path(path_or_name)
    from tinydeploy.compiler.boundary import describe
    from tinydeploy.compiler.reader import parse
    g = parse(Path(path).read_bytes(), name=Path(path).stem)
    out = []
    for k, d in enumerate(describe(g)["inputs"]):
        shape = tuple(d["shape"][1:]) if len(d["shape"]) > 1 else tuple(d["shape"])
        if d["dtype"] == "int8" and k == 0:
            out.append(random_inputs(path, n, seed))
        elif d["dtype"] == "int8":
            rng = np.random.default_rng(seed + k)
            out.append(rng.integers(-128, 128, size=(n, *shape)).astype(np.int8))
        else:
            conv = d["on_device"]
            scale, zp = conv["int8_scale"], conv["int8_zero_point"]
            rng = np.random.default_rng(seed + k)
            x = rng.standard_normal((n, *shape)) * (64 * scale)
            ties = (rng.integers(-140, 140, size=(n, *shape)) - zp + 0.5) * scale
            pick = rng.random((n, *shape)) < 0.3
            x = np.where(pick, ties, x)
            x.reshape(n, -1)[:, 0] = 300 * scale             # saturates
            out.append(x.astype(np.float32))
    return out
