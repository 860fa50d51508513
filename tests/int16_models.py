"""16x8 test models built without TensorFlow (int16 activations, per-channel int8 weights,
int64 bias): shared by the host tests of td_conv2d_s16 / td_transpose_conv_s16 and the QEMU
test of 16x8 models."""
import numpy as np

from tflite_builder import build, tensor


def conv_model(x_shape, w_shape, out_shape, stride=1, dil=1, padding="VALID", bias=True,
               act=0, seed=0) -> bytes:
    rng = np.random.default_rng(seed)
    oc = w_shape[0]
    w = rng.integers(-127, 128, w_shape).astype(np.int8)
    w_scale = rng.uniform(0.002, 0.02, oc).astype(np.float32)
    tensors = [tensor("x", x_shape, "int16", 0.0009, 0),
               tensor("w", w_shape, "int8", w_scale, np.zeros(oc, np.int64), w),
               tensor("y", out_shape, "int16", 0.004, 0)]
    ins = [0, 1, -1]
    if bias:
        b = rng.integers(-2**20, 2**20, oc).astype(np.int64)
        tensors.append(tensor("b", [oc], "int64", w_scale * 0.0009, np.zeros(oc, np.int64), b))
        ins[2] = 3
    opts = ("Conv2DOptions", {"Padding": {"SAME": 0, "VALID": 1}[padding], "StrideW": stride,
                              "StrideH": stride, "DilationWFactor": dil, "DilationHFactor": dil,
                              "FusedActivationFunction": act})
    return build(tensors, [("CONV_2D", ins, [2], opts)], [0], [2])


def tconv_model(x_shape, w_shape, out_shape, stride, padding, shape_as_input) -> bytes:
    rng = np.random.default_rng(3)
    oc = w_shape[0]
    w = rng.integers(-127, 128, w_shape).astype(np.int8)
    w_scale = rng.uniform(0.002, 0.02, oc).astype(np.float32)
    b = rng.integers(-2**20, 2**20, oc).astype(np.int64)
    shape = np.array(out_shape, np.int32)
    tensors = [tensor("shape", [4], "int32", data=None if shape_as_input else shape),
               tensor("w", w_shape, "int8", w_scale, np.zeros(oc, np.int64), w),
               tensor("x", x_shape, "int16", 0.0009, 0),
               tensor("b", [oc], "int64", w_scale * 0.0009, np.zeros(oc, np.int64), b),
               tensor("y", out_shape, "int16", 0.002, 0)]
    opts = ("TransposeConvOptions", {"Padding": {"SAME": 0, "VALID": 1}[padding],
                                     "StrideW": stride[1], "StrideH": stride[0]})
    inputs = [0, 2] if shape_as_input else [2]
    return build(tensors, [("TRANSPOSE_CONV", [0, 1, 2, 3], [4], opts)], inputs, [4])


def dw_model(x_shape, k, mult, out_shape, stride=1, dil=1, padding="VALID", seed=0) -> bytes:
    """DEPTHWISE_CONV_2D [1, k, k, in_c * mult] per-channel int8 weights, int64 bias."""
    rng = np.random.default_rng(seed)
    oc = x_shape[3] * mult
    w = rng.integers(-127, 128, (1, k, k, oc)).astype(np.int8)
    w_scale = rng.uniform(0.002, 0.02, oc).astype(np.float32)
    b = rng.integers(-2**20, 2**20, oc).astype(np.int64)
    tensors = [tensor("x", x_shape, "int16", 0.0009, 0),
               tensor("w", [1, k, k, oc], "int8", w_scale, np.zeros(oc, np.int64), w, axis=3),
               tensor("b", [oc], "int64", w_scale * 0.0009, np.zeros(oc, np.int64), b),
               tensor("y", out_shape, "int16", 0.003, 0)]
    opts = ("DepthwiseConv2DOptions", {"Padding": {"SAME": 0, "VALID": 1}[padding],
                                       "StrideW": stride, "StrideH": stride,
                                       "DepthMultiplier": mult, "DilationWFactor": dil,
                                       "DilationHFactor": dil})
    return build(tensors, [("DEPTHWISE_CONV_2D", [0, 1, 2], [3], opts)], [0], [3])
