"""The zoo's bit-exactness checks, shared by the per-kernel test files in tests/host_c/
(test_<kernel stem>.py: a kernel's tests are found by its stem).

Every zoo model belongs to exactly one kernel stem (the op it exists to cover; the MLPerf
Tiny re-creations to "mlperf_tiny"); tests/host_c/test_zoo_coverage.py checks that.

The oracle is TFLite Micro, except for two documented cases where TFLite Micro is far from
the float model and tinydeploy matches TFLite's reference kernels instead (see
docs/architecture.md): the SPACE_TO_BATCH_ND dilated-convolution pattern and a standalone
RELU6 whose output is quantized differently from its input."""
from __future__ import annotations

import numpy as np

from tinydeploy.compiler.hostrun import HostModel
from tinydeploy.compiler.lower import lower
from tinydeploy.compiler.planner import plan
from tinydeploy.compiler.reader import load_model

import zoo
from oracle import run_ref, run_tflm

REFERENCE_ORACLE_OPS = {"SPACE_TO_BATCH_ND", "RELU6"}
SANITIZED = ["mul_se", "quantize_requant", "pad_asym", "pool_avg", "pool_max", "softmax_head",
             "relu6_standalone", "dw_dm2_s2_valid", "conv_grouped", "add_broadcast",
             "conv1d_dilated_dynbatch", "concat_axis1"]
DOCUMENTED_EXCEPTIONS = ["conv_dilated_s2b", "dw_dilated_s2b", "relu6_standalone"]

STEMS = {
    "conv2d_s8": ["conv_same_relu", "conv_valid_s2_relu6", "conv_5x3_s21", "conv_1x1",
                  "conv_nobias", "conv_same_asym", "conv_grouped", "conv_dilated",
                  "conv_dilated_s2b", "conv1d", "conv1d_dynbatch", "conv1d_dilated_dynbatch",
                  "odd_names"],
    "depthwise_conv2d_s8": ["dw_dilated", "dw_dilated_s2b", "dw_same_relu6", "dw_dm2_s2_valid",
                            "dw_s2_same"],
    "fully_connected_s8": ["fc_relu", "fc_relu_per_tensor", "fc_nobias", "fc_3d",
                           "fc_3d_per_tensor", "reshape_dense"],
    "avg_pool_s8": ["pool_avg"],
    "max_pool_s8": ["pool_max"],
    "add_s8": ["add_residual", "add_broadcast", "add_broadcast_reshape", "add_relu"],
    "mul_s8": ["mul_se", "mul_same_shape"],
    "softmax_s8": ["softmax_head"],
    "logistic_s8": ["logistic_out"],
    "mean_s8": ["mean_keepdims"],
    "pad_s8": ["pad_asym"],
    "concat_s8": ["concat_channels", "concat_axis1", "concat_axis2_ranges"],
    "requantize_s8": ["quantize_requant", "relu_standalone", "relu6_standalone"],
    "mlperf_tiny": ["ds_cnn", "mobilenet_v1_025", "resnet8", "fc_autoencoder"],
}


def models(stem: str, only: list[str] | None = None) -> list[str]:
    """The zoo models of a kernel stem (restricted to `only` when given), sorted."""
    return sorted(n for n in STEMS[stem] if only is None or n in only)


def run_ours(path, x, flags=None):
    program = lower(load_model(path))
    hm = HostModel(program, plan(program), path.read_bytes(), extra_flags=flags)
    try:
        return hm.run(x)
    finally:
        hm.close()


def oracle(name):
    return run_ref if zoo.MODELS[name].ops & REFERENCE_ORACLE_OPS else run_tflm


def check_bit_exact(name):
    path = zoo.tflite_path(name)
    x = zoo.random_inputs(path, 16, seed=7)
    ours = run_ours(path, x)
    ref = oracle(name)(path, x).reshape(ours.shape)
    np.testing.assert_array_equal(ours, ref)


def check_documented_exception_differs_from_tflite_micro(name):
    """If TFLite Micro is ever fixed, these cases should move back to the TFLM oracle."""
    path = zoo.tflite_path(name)
    x = zoo.random_inputs(path, 8, seed=3)
    ours = run_ours(path, x)
    assert np.count_nonzero(ours != run_tflm(path, x).reshape(ours.shape)) > ours.size // 4


def check_clean_under_asan_and_ubsan(name):
    path = zoo.tflite_path(name)
    x = zoo.random_inputs(path, 8, seed=11)
    ours = run_ours(path, x, ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                              "-g", "-O1"])
    np.testing.assert_array_equal(ours, oracle(name)(path, x).reshape(ours.shape))
