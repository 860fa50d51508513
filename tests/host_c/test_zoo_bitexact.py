"""Every zoo model (all ops and options, MLPerf Tiny re-creations): the generated C, compiled
on the host, gives the reference oracle's int8 outputs bit for bit.

The oracle is TFLite Micro, except for two documented cases where TFLite Micro is far from
the float model and tinydeploy matches TFLite's reference kernels instead (see
docs/architecture.md): the SPACE_TO_BATCH_ND dilated-convolution pattern and a standalone
RELU6 whose output is quantized differently from its input."""
import numpy as np
import pytest

from tinydeploy.compiler.hostrun import HostModel
from tinydeploy.compiler.lower import lower
from tinydeploy.compiler.planner import plan
from tinydeploy.compiler.reader import load_model

import zoo
from oracle import run_ref, run_tflm

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

REFERENCE_ORACLE_OPS = {"SPACE_TO_BATCH_ND", "RELU6"}
SANITIZED = ["mul_se", "quantize_requant", "pad_asym", "pool_avg", "pool_max", "softmax_head",
             "relu6_standalone", "dw_dm2_s2_valid", "conv_grouped", "add_broadcast",
             "conv1d_dilated_dynbatch", "concat_axis1"]


def _run_ours(path, x, flags=None):
    program = lower(load_model(path))
    hm = HostModel(program, plan(program), path.read_bytes(), extra_flags=flags)
    try:
        return hm.run(x)
    finally:
        hm.close()


def _oracle(name):
    return run_ref if zoo.MODELS[name].ops & REFERENCE_ORACLE_OPS else run_tflm


@pytest.mark.parametrize("name", sorted(zoo.MODELS))
def test_bit_exact(name):
    path = zoo.tflite_path(name)
    x = zoo.random_inputs(path, 16, seed=7)
    ours = _run_ours(path, x)
    ref = _oracle(name)(path, x).reshape(ours.shape)
    np.testing.assert_array_equal(ours, ref)


@pytest.mark.parametrize("name", ["conv_dilated_s2b", "dw_dilated_s2b", "relu6_standalone"])
def test_documented_exceptions_really_differ_from_tflite_micro(name):
    """If TFLite Micro is ever fixed, these cases should move back to the TFLM oracle."""
    path = zoo.tflite_path(name)
    x = zoo.random_inputs(path, 8, seed=3)
    ours = _run_ours(path, x)
    assert np.count_nonzero(ours != run_tflm(path, x).reshape(ours.shape)) > ours.size // 4


@pytest.mark.parametrize("name", SANITIZED)
def test_kernels_clean_under_asan_and_ubsan(name):
    path = zoo.tflite_path(name)
    x = zoo.random_inputs(path, 8, seed=11)
    ours = _run_ours(path, x, ["-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                               "-g", "-O1"])
    np.testing.assert_array_equal(ours, _oracle(name)(path, x).reshape(ours.shape))
