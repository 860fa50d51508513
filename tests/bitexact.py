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
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.hostrun import HostModel
from tinydeploy.compiler.lower import lower
from tinydeploy.compiler.reader import load_model

import zoo
from oracle import run_ref, run_tflm

REFERENCE_ORACLE_OPS = {"SPACE_TO_BATCH_ND", "RELU6", "GELU"}   # GELU: no TFLM kernel
# Models TFLite Micro cannot run at all (ARG_MIN/ARG_MAX with int64 output: "Only int32_t
# are supported currently"): checked against the TFLite reference kernels.
REFERENCE_ORACLE_MODELS = {"argmin_axis"}
SANITIZED = ["mul_se", "quantize_requant", "pad_asym", "pool_avg", "pool_max", "softmax_head",
             "relu6_standalone", "dw_dm2_s2_valid", "conv_grouped", "add_broadcast",
             "conv1d_dilated_dynbatch", "concat_axis1", "conv_1x1", "conv1x1_c16_o3",
             "conv_same_asym", "conv3x3_s2_same_c3_o7", "conv10x4_s2_c1", "fc_3d",
             "fc_odd_13_7", "dw_s2_same", "dw3_same_c5", "dw3_same_c7_rows2", "dw3_same_c8_col1",
             "dw3_s2_same_c7_odd", "dw3_clamped_c4", "add_same_shape_c5", "add_bcast_row",
             "avgpool_s1_same_c6", "avgpool_global_c5", "maxpool_s1_same_c6",
             "maxpool_2x2_valid_c5",
             # ---- shape / data movement
             "transpose_perm", "transpose_5d", "strided_slice_steps", "strided_slice_shrink",
             "slice_sizes", "split_channels", "splitv_spatial", "unstack_stack",
             "depth_to_space", "space_to_depth", "gather_axes", "gather_axis0",
             "upsample_nearest", "resize_nearest_align", "upsample_bilinear",
             "resize_bilinear_align", "resize_bilinear_half",
             # issue 10, binary and reduction ops
             "sub_bcast_c_relu", "sub_const", "max_const", "min_bcast_h", "sqdiff_bcast_c",
             "mean_axes13_keep", "mean_axes123", "sum_axes13_keep", "rmax_axes13", "gmp_c5",
             # activations and L2 normalization
             "leaky_relu_neg_dense", "hard_swish_dense", "tanh_saturating", "prelu_shared_c",
             "prelu_dense", "unit_norm_3d", "abs_dense", "rsqrt_dense",
             "reverse_hw_neg", "mirror_pad_reflect", "mirror_pad_symmetric",
             # ---- TRANSPOSE_CONV, BATCH_MATMUL
             "tconv_same_s2", "tconv_k53_s32_valid", "tconv_k5_s3_same_relu6",
             "conv1d_transpose", "tconv_free_batch", "bmm_qk_adj_y", "bmm_adj_xy", "bmm_bcast_rhs",
             "bmm_bcast_lhs_rank3", "bmm_const_lhs", "attention_scaled",
             # ---- model I/O
             "sensor_fusion_two_heads", "float_io_two_outputs", "argmin_axis",
             # ---- sparse weights (issue 19)
             "fc_sparse75", "fc_sparse75_wide", "conv3x3_sparse75_c5", "fc_sparse75_c8",
             "conv3x3_sparse75_c8",
             # ---- palette weights
             "pal_fc16_odd", "pal_fc4_per_tensor", "pal_conv1x1_16", "pal_conv1x1_4_s2",
             # ---- 2:4 weights
             "fc_nm24", "conv3x3_nm24_c5"]
DOCUMENTED_EXCEPTIONS = ["conv_dilated_s2b", "dw_dilated_s2b", "relu6_standalone"]

STEMS = {
    "conv2d_s8": ["conv_grouped"],
    "conv2d_1x1_s8": ["conv_1x1", "conv1x1_s2_c8_o5", "conv1x1_c16_o3"],
    "conv2d_im2col_s8": ["conv_same_relu", "conv_valid_s2_relu6", "conv_5x3_s21",
                         "conv_nobias", "conv_same_asym", "conv_dilated", "conv_dilated_s2b",
                         "conv1d", "conv1d_dynbatch", "conv1d_dilated_dynbatch", "odd_names",
                         "conv3x3_same_c8_o6", "conv10x4_s2_c1", "conv3x3_s2_same_c3_o7"],
    "depthwise_conv2d_s8": ["dw_dilated", "dw_dilated_s2b", "dw_dm2_s2_valid", "dw5_same_c4",
                            "dw3_dm2_same_c3"],
    "depthwise_conv2d_3x3_s8": ["dw_same_relu6", "dw_s2_same", "dw3_same_c4", "dw3_same_c5",
                                "dw3_same_c3", "dw3_same_c7_rows2", "dw3_same_c8_col1",
                                "dw3_s2_same_c12_even", "dw3_s2_same_c7_odd",
                                "dw3_valid_relu_c16", "dw3_s2_valid_relu6_c6", "dw3_clamped_c4"],
    "fully_connected_s8": [],
    "fully_connected_sparse_s8": ["fc_sparse75", "fc_sparse75_per_tensor", "fc_sparse75_wide"],
    "conv2d_sparse_s8": ["conv1x1_sparse75", "conv3x3_sparse75_c5"],
    "fully_connected_sparse_palette_s8": ["fc_sparse75_c8"],
    "conv2d_sparse_palette_s8": ["conv1x1_sparse75_c8", "conv3x3_sparse75_c8"],
    "fully_connected_rows4_s8": ["fc_relu", "fc_relu_per_tensor", "fc_nobias", "fc_3d",
                                 "fc_3d_per_tensor", "reshape_dense", "fc_odd_13_7"],
    "avg_pool_s8": ["pool_avg", "avgpool_global_c5", "avgpool_global_c64", "avgpool_s1_same_c6",
                    "avgpool_2x2_valid_c3"],
    "max_pool_s8": ["pool_max", "maxpool_s1_same_c6", "maxpool_2x2_valid_c5"],
    "add_s8": ["add_residual", "add_broadcast", "add_broadcast_reshape", "add_relu",
               "add_same_shape_c5", "add_same_shape_relu_c8", "add_bcast_row"],
    "mul_s8": ["mul_se", "mul_same_shape"],
    "softmax_s8": ["softmax_head"],
    "log_softmax_s8": ["log_softmax_dense", "log_softmax_conv"],
    "float_island": ["island_elu", "island_square", "island_sin"],
    "logistic_s8": ["logistic_out"],
    "mean_s8": ["mean_keepdims",
                # issue 10: MEAN over any axes
                "mean_axis1", "mean_axis2_keep", "mean_neg1", "mean_axes13_keep",
                "mean_axes123"],
    "pad_s8": ["pad_asym"],
    "concat_s8": ["concat_channels", "concat_axis1", "concat_axis2_ranges"],
    "requantize_s8": ["quantize_requant", "relu_standalone", "relu6_standalone"],
    "model_blocks": ["mnv3_block", "unet_small", "mha_block", "op_medley"],
    "mlperf_tiny": ["ds_cnn", "mobilenet_v1_025", "resnet8", "fc_autoencoder"],
    # ---- shape / data movement
    "copy_nd_s8": ["transpose_perm", "transpose_5d", "crop2d", "crop1d", "strided_slice_steps",
                   "strided_slice_shrink", "slice_sizes", "split_channels", "split_spatial",
                   "splitv_channels", "splitv_spatial", "unstack_stack", "unstack_channels",
                   "depth_to_space", "space_to_depth", "reverse_width", "reverse_hw_neg",
                   "reverse_time"],
    "gather_s8": ["gather_axes", "gather_axis0"],
    "mirror_pad_s8": ["mirror_pad_reflect", "mirror_pad_symmetric", "mirror_pad_1d"],
    "resize_nearest_s8": ["upsample_nearest", "resize_nearest_align", "resize_nearest_half",
                          "resize_nearest_plain"],
    "resize_bilinear_s8": ["upsample_bilinear", "resize_bilinear_align", "resize_bilinear_half",
                           "resize_bilinear_plain"],
    # issue 10, binary and reduction ops
    "sub_s8": ["sub_same_shape_c5", "sub_bcast_c_relu", "sub_bcast_h", "sub_const"],
    "maximum_s8": ["max_same_shape_c5", "max_bcast_c", "max_const"],
    "minimum_s8": ["min_bcast_h", "min_same_shape_c5"],
    "squared_difference_s8": ["sqdiff_same_shape_c5", "sqdiff_bcast_c"],
    "sum_s8": ["sum_axes13_keep", "sum_axis2", "sum_neg1_keep"],
    "reduce_max_s8": ["gmp_c5", "rmax_axis1", "rmax_neg1_keep", "rmax_axes13"],
    # activations and L2 normalization
    "lut_s8": ["leaky_relu_c5", "leaky_relu_alpha2", "leaky_relu_neg_dense", "hard_swish_mnv3",
               "hard_swish_relu6", "hard_swish_dense", "tanh_conv", "tanh_dense",
               "tanh_saturating", "abs_conv", "abs_dense", "rsqrt_conv", "rsqrt_dense",
               "gelu_dense", "gelu_tanh_dense"],
    "prelu_s8": ["prelu_full", "prelu_shared_hw", "prelu_shared_c", "prelu_shared_all",
                 "prelu_dense"],
    "l2norm_s8": ["l2norm_conv", "unit_norm_dense", "unit_norm_3d"],
    # ---- TRANSPOSE_CONV, BATCH_MATMUL
    "transpose_conv_s8": ["tconv_same_s2", "tconv_valid_s1_nobias", "tconv_k53_s32_valid",
                          "tconv_k5_s3_same_relu6", "tconv_k3_s12_same_relu", "tconv_outpad",
                          "tconv_k2_s2_valid", "conv1d_transpose", "tconv_unet_skip",
                          "tconv_free_batch"],
    "batch_matmul_s8": ["bmm_qk_adj_y", "bmm_dot_adj_x", "bmm_adj_xy", "bmm_plain",
                        "bmm_rank4_heads", "bmm_bcast_rhs", "bmm_bcast_lhs_rank3",
                        "bmm_const_lhs", "attention_layer", "attention_scaled"],
    # ---- model I/O: several inputs/outputs, float boundary, ARG_MAX/ARG_MIN
    "model_io": ["sensor_fusion", "two_heads", "sensor_fusion_two_heads"],
    "dequantize_s8_f32": ["float_io", "float_io_two_outputs"],
    "arg_minmax_s8": ["argmax_head", "argmin_axis", "argmin_axis1"],
    # ---- weight encodings (issue 19): palette (clustered) weights, tests/zoo_palette.py
    "fully_connected_palette_s8": ["pal_fc16_odd", "pal_fc4_per_tensor", "pal_fc3d_4"],
    "conv2d_1x1_palette_s8": ["pal_conv1x1_16", "pal_conv1x1_4_s2"],
    # 2:4 (N:M) weights, tests/zoo_nm.py
    "fully_connected_nm_s8": ["fc_nm24", "fc_nm24_per_tensor", "fc_nm24_3d"],
    "conv2d_nm_s8": ["conv1x1_nm24", "conv3x3_nm24_c5"],
}

# Every bit-exactness check runs twice: with the scalar loops (Cortex-M0/M3, the host) and
# with the packed loops the DSP cores run, emulated on the host by their portable twins.
FLAVOURS = {"scalar": None, "simd_emulated": ["-DTD_SIMD_EMULATE=1"]}
flavours = pytest.mark.parametrize("flags", list(FLAVOURS.values()), ids=list(FLAVOURS))
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g", "-O1"]


def models(stem: str, only: list[str] | None = None) -> list[str]:
    """The zoo models of a kernel stem (restricted to `only` when given), sorted."""
    return sorted(n for n in STEMS[stem] if only is None or n in only)


def run_ours(model, x, flags=None, weights="auto"):
    """Our generated C on the host for `model` (a .tflite path or its bytes): an array for
    a single-I/O model, else (x a list of arrays, one per input) a list of arrays, one per
    output. `weights`: the weight-storage policy (program.WEIGHT_POLICIES)."""
    c = compile_model(model, weights=weights)
    hm = HostModel(c.program, c.plan, c.tflite_bytes, extra_flags=flags)
    try:
        outs = hm.run_all(x if isinstance(x, list) else [x])
        return outs if isinstance(x, list) or len(outs) > 1 else outs[0]
    finally:
        hm.close()


def _inputs(path, n, seed):
    """An int8 array for a single int8 input (as always), else one array per input."""
    xs = zoo.random_inputs_all(path, n, seed)
    return xs[0] if len(xs) == 1 and xs[0].dtype == np.int8 else xs


def assert_same(ours, ref):
    """Every output equal, bit for bit (float outputs compared as their bytes)."""
    ours = ours if isinstance(ours, list) else [ours]
    ref = ref if isinstance(ref, list) else [ref]
    assert len(ours) == len(ref)
    for k, (a, b) in enumerate(zip(ours, ref)):
        assert a.dtype == b.dtype, (k, a.dtype, b.dtype)
        np.testing.assert_array_equal(a.view(np.uint8).reshape(-1),
                                      np.ascontiguousarray(b).view(np.uint8).reshape(-1),
                                      err_msg=f"output {k}")


def oracle(name):
    if name in REFERENCE_ORACLE_MODELS:
        return run_ref
    return run_ref if zoo.MODELS[name].ops & REFERENCE_ORACLE_OPS else run_tflm


def kernels(name: str, weights: str = "auto") -> dict[str, set[str]]:
    """op kind -> the C kernels the lowering picked for it in zoo model `name`."""
    out: dict[str, set[str]] = {}
    for layer in lower(load_model(zoo.tflite_path(name)), weights=weights).layers:
        if layer.kernel:
            out.setdefault(layer.op, set()).add(layer.kernel)
    return out


def check_bit_exact(name, flags=None, weights="auto"):
    path = zoo.tflite_path(name)
    x = _inputs(path, 16, seed=7)
    ours = run_ours(path, x, flags, weights)
    ref = oracle(name)(path, x)
    assert_same(ours, ref if isinstance(ref, list) else ref.reshape(ours.shape))


def check_documented_exception_differs_from_tflite_micro(name):
    """If TFLite Micro is ever fixed, these cases should move back to the TFLM oracle."""
    path = zoo.tflite_path(name)
    x = zoo.random_inputs(path, 8, seed=3)
    ours = run_ours(path, x)
    assert np.count_nonzero(ours != run_tflm(path, x).reshape(ours.shape)) > ours.size // 4


def check_clean_under_asan_and_ubsan(name, flags=None, weights="auto"):
    path = zoo.tflite_path(name)
    x = _inputs(path, 8, seed=11)
    ours = run_ours(path, x, (flags or []) + SANITIZE, weights)
    ref = oracle(name)(path, x)
    assert_same(ours, ref if isinstance(ref, list) else ref.reshape(ours.shape))


def stem_tests(stem: str, choice: tuple[str, str] | None = None, weights: str = "auto") -> dict:
    """The test functions of one kernel stem, for its test_<stem>.py to take into its
    namespace: bit-exactness of every zoo model of the stem in both flavours, the
    sanitizer runs and documented exceptions among them, and (choice = (op, kernel)) that
    the lowering picks that kernel for each model; all lowered with the weight-storage
    policy `weights`."""
    tests = {}

    @flavours
    @pytest.mark.parametrize("name", models(stem))
    def test_bit_exact(name, flags):
        check_bit_exact(name, flags, weights)
    tests["test_bit_exact"] = test_bit_exact

    if models(stem, DOCUMENTED_EXCEPTIONS):
        @pytest.mark.parametrize("name", models(stem, DOCUMENTED_EXCEPTIONS))
        def test_documented_exceptions_really_differ_from_tflite_micro(name):
            check_documented_exception_differs_from_tflite_micro(name)
        tests[test_documented_exceptions_really_differ_from_tflite_micro.__name__] = \
            test_documented_exceptions_really_differ_from_tflite_micro

    if models(stem, SANITIZED):
        @flavours
        @pytest.mark.parametrize("name", models(stem, SANITIZED))
        def test_kernels_clean_under_asan_and_ubsan(name, flags):
            check_clean_under_asan_and_ubsan(name, flags, weights)
        tests["test_kernels_clean_under_asan_and_ubsan"] = test_kernels_clean_under_asan_and_ubsan

    if choice is not None:
        op, kernel = choice

        @pytest.mark.parametrize("name", models(stem))
        def test_kernel_choice(name):
            assert kernel in kernels(name, weights)[op]
        tests["test_kernel_choice"] = test_kernel_choice
    return tests
