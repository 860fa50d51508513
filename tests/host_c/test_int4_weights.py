"""INT4 weights (TFLite Micro's packed int4 for FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D,
what ai-edge-quantizer writes) are accepted: unpacked to int8 values -8..7 when read, and
stored 4-bit again where a palette kernel exists (FC, 1x1 conv: the default policy picks
it, one shared 16-value table); the rest run the dense kernels. Outputs bit-exact with
tflite_micro running the int4 file, scalar and packed (DSP twin) loops."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model

from bitexact import FLAVOURS, assert_same, run_ours
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = pytest.mark.host_c

CONV = {"Padding": 0, "StrideW": 1, "StrideH": 1, "DilationWFactor": 1, "DilationHFactor": 1}


def _model(rng) -> bytes:
    """conv 1x1 (per-channel int4, 6 input channels) -> depthwise 3x3 (int4) -> conv 3x3
    (int4, valid padding) -> FC (int4, per-tensor)."""
    w1 = rng.integers(-8, 8, (12, 1, 1, 6))
    w2 = rng.integers(-8, 8, (1, 3, 3, 12))
    w3 = rng.integers(-8, 8, (4, 3, 3, 12))
    w4 = rng.integers(-8, 8, (5, 64))
    s1, s2, s3 = rng.uniform(0.02, 0.06, 12), rng.uniform(0.02, 0.06, 12), rng.uniform(0.02, 0.06, 4)
    t = [
        tensor("in", [1, 6, 6, 6], "int8", 0.05, -3),                                # 0
        tensor("c1/w", [12, 1, 1, 6], "int4", list(s1), [0] * 12, w1),
        tensor("c1/b", [12], "int32", list(0.05 * s1), [0] * 12, rng.integers(-99, 99, 12)),
        tensor("c1/out", [1, 6, 6, 12], "int8", 0.1, -128),                         # 3
        tensor("dw/w", [1, 3, 3, 12], "int4", list(s2), [0] * 12, w2, axis=3),
        tensor("dw/b", [12], "int32", list(0.1 * s2), [0] * 12, rng.integers(-99, 99, 12)),
        tensor("dw/out", [1, 6, 6, 12], "int8", 0.15, 3),                           # 6
        tensor("c3/w", [4, 3, 3, 12], "int4", list(s3), [0] * 4, w3),
        tensor("c3/b", [4], "int32", list(0.15 * s3), [0] * 4, rng.integers(-99, 99, 4)),
        tensor("c3/out", [1, 4, 4, 4], "int8", 0.4, -5),                            # 9
        tensor("shape", [2], "int32", data=np.array([1, 64], np.int32)),
        tensor("flat", [1, 64], "int8", 0.4, -5),                                   # 11
        tensor("fc/w", [5, 64], "int4", 0.03, 0, w4),
        tensor("fc/b", [5], "int32", 0.4 * 0.03, 0, rng.integers(-99, 99, 5)),
        tensor("out", [1, 5], "int8", 0.5, 7),                                      # 14
    ]
    ops = [("CONV_2D", [0, 1, 2], [3], ("Conv2DOptions", dict(CONV, FusedActivationFunction=1))),
           ("DEPTHWISE_CONV_2D", [3, 4, 5], [6], ("DepthwiseConv2DOptions",
                                                  dict(CONV, Padding=0, DepthMultiplier=1))),
           ("CONV_2D", [6, 7, 8], [9], ("Conv2DOptions", dict(CONV, Padding=1))),
           ("RESHAPE", [9, 10], [11]),
           ("FULLY_CONNECTED", [11, 12, 13], [14], ("FullyConnectedOptions", {}))]
    return build(t, ops, [0], [14])


def test_int4_weights_run_bit_exact_and_stay_packed_where_a_kernel_reads_them(tmp_path):
    rng = np.random.default_rng(11)
    path = tmp_path / "int4.tflite"
    path.write_bytes(_model(rng))
    auto = {f"{layer.op}:{layer.index}": layer for layer in compile_model(path).program.layers}
    assert {k: v.encoding for k, v in auto.items() if v.kernel} == {
        "CONV_2D:0": "palette", "DEPTHWISE_CONV_2D:1": "dense", "CONV_2D:2": "dense",
        "FULLY_CONNECTED:4": "palette"}
    fc = auto["FULLY_CONNECTED:4"]
    assert fc.weight_bytes == 5 * 64 // 2 + 5 * 4                 # as in the .tflite: packed
    assert fc.const_bytes < 0.7 * fc.dense_const_bytes
    x = rng.integers(-128, 128, (20, 6, 6, 6)).astype(np.int8)
    x[0], x[1] = -128, 127
    ref = run_tflm(path, x)
    for weights in ("auto", "dense"):
        for flags in FLAVOURS.values():
            ours = run_ours(path, x, flags, weights)
            assert_same(ours, ref.reshape(ours.shape))
