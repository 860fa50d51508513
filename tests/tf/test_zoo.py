"""The test model zoo and the reference oracles stay what the other tests rely on."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

import zoo_io  # noqa: E402
from tinydeploy.compiler.reader import parse  # noqa: E402

import oracle  # noqa: E402
import zoo  # noqa: E402

pytestmark = pytest.mark.tf

REQUIRED_OPS = {
    "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D",
    "ADD", "MUL", "RESHAPE", "SOFTMAX", "MEAN", "PAD", "CONCATENATION", "LOGISTIC", "RELU",
    "RELU6", "SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND", "QUANTIZE",
    # ---- shape / data movement
    "TRANSPOSE", "STRIDED_SLICE", "SLICE", "SPLIT", "SPLIT_V", "PACK", "UNPACK", "GATHER",
    "DEPTH_TO_SPACE", "SPACE_TO_DEPTH", "RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR",
    # issue 10, binary and reduction ops
    "SUB", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE", "SUM", "REDUCE_MAX",
    "TRANSPOSE_CONV", "BATCH_MATMUL",
    # ---- model I/O
    "DEQUANTIZE", "ARG_MAX", "ARG_MIN",
    # issue 20: ops TFLite Micro runs
    "ABS", "RSQRT", "REVERSE_V2", "MIRROR_PAD", "LOG_SOFTMAX", "GELU",
}

# FC-free models on which TFLM and the TF reference kernels agree bit for bit (see
# oracle.py for the known exceptions: FC rounding, S2B dilated convs, standalone RELU6).
EXACT = ["conv_same_relu", "conv_same_asym", "conv_grouped", "conv_dilated", "conv1d_dynbatch",
         "dw_same_relu6", "dw_dm2_s2_valid", "pool_avg", "pool_max", "add_broadcast",
         "add_relu", "mul_same_shape", "mean_keepdims", "concat_axis1", "relu_standalone",
         "pad_asym",
         "tconv_same_s2", "tconv_k53_s32_valid", "tconv_k5_s3_same_relu6", "tconv_outpad"]


def _graph(name):
    return parse(zoo.tflite_path(name).read_bytes(), name=name)


@pytest.mark.parametrize("name", list(zoo.MODELS))
def test_model_has_declared_ops(name):
    g = _graph(name)
    kinds = {op.kind for op in g.ops}
    assert kinds == set(zoo.MODELS[name].ops), \
        f"{name}: converter emitted {sorted(kinds)}, entry declares " \
        f"{sorted(zoo.MODELS[name].ops)}"
    float_io = zoo.MODELS[name].float_io
    assert {g.tensors[t].dtype for t in g.inputs} == {"float32" if float_io else "int8"}
    assert {g.tensors[t].dtype for t in g.outputs} <= (
        {"float32"} if float_io else {"int8", "int32", "int64"})
    assert (len(g.inputs), len(g.outputs)) == zoo_io.IO_COUNTS.get(name, (1, 1))


def test_zoo_covers_all_ops():
    union = set().union(*(e.ops for e in zoo.MODELS.values()))
    missing = REQUIRED_OPS - union
    assert not missing, f"no zoo model produces {sorted(missing)}"
    assert union & {"EXPAND_DIMS", "SQUEEZE"}


@pytest.mark.parametrize("name", list(zoo.MODELS))
def test_outputs_vary(name):
    if name in zoo_io.IO_COUNTS:              # every input and output (int64: TF reference)
        run = oracle.run_ref if name == "argmin_axis" else oracle.run_tflm
        ys = run(zoo.tflite_path(name), zoo.random_inputs_all(name, 8, seed=0))
    else:
        run = oracle.run_ref if "GELU" in zoo.MODELS[name].ops else oracle.run_tflm  # no TFLM GELU
        ys = [run(zoo.tflite_path(name), zoo.random_inputs(name, 8, seed=0))]
        assert ys[0].dtype == np.int8
    for y in ys:
        assert y.shape[0] == 8
        assert any(not np.array_equal(y[0], y[i]) for i in range(1, 8)), \
            f"{name}: TFLM output identical for 8 different inputs"
        assert len(np.unique(y)) > 2, f"{name}: output takes only {np.unique(y)}"


@pytest.mark.parametrize("name", EXACT)
def test_oracles_agree(name):
    path = zoo.tflite_path(name)
    x = zoo.random_inputs(name, 6, seed=3)
    a = oracle.run_tflm(path, x)
    b = oracle.run_ref(path.read_bytes(), x)
    assert a.shape == b.shape and a.dtype == b.dtype == np.int8
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["fc_autoencoder", "fc_relu", "fc_3d"])
def test_oracles_fc_within_2_lsb(name):
    path = zoo.tflite_path(name)
    x = zoo.random_inputs(name, 6, seed=4)
    d = np.abs(oracle.run_tflm(path, x).astype(int) - oracle.run_ref(path, x).astype(int))
    assert d.max() <= 2


def test_per_channel_and_per_tensor_fc():
    def fc_scales(name):
        g = _graph(name)
        return [g.tensors[op.inputs[1]].quant.scale.size
                for op in g.ops if op.kind == "FULLY_CONNECTED"]
    assert fc_scales("fc_relu") == [16, 10]
    assert fc_scales("fc_relu_per_tensor") == [1, 1]


def test_dilation_forms():
    convs = [op for op in _graph("conv_dilated").ops if op.kind == "CONV_2D"]
    assert [(c.options["dilation_h"], c.options["dilation_w"]) for c in convs] == \
        [(2, 2), (2, 3)]
    assert [c.options["padding"] for c in convs] == ["SAME", "VALID"]
    dw = _graph("dw_dilated").ops[0]
    assert dw.options["dilation_h"] == dw.options["dilation_w"] == 2


def test_relu6_standalone_requantizes():
    g = _graph("relu6_standalone")
    (op,) = [op for op in g.ops if op.kind == "RELU6"]
    assert g.tensors[op.inputs[0]].scale != g.tensors[op.outputs[0]].scale


def _macs(g) -> int:
    total = 0
    for op in g.ops:
        out = g.tensors[op.outputs[0]]
        w = g.tensors[op.inputs[1]] if len(op.inputs) > 1 else None
        if op.kind == "CONV_2D":
            total += out.size * int(np.prod(w.shape[1:]))
        elif op.kind == "DEPTHWISE_CONV_2D":
            total += out.size * w.shape[1] * w.shape[2]
        elif op.kind == "FULLY_CONNECTED":
            total += out.size * w.shape[1]
    return total


@pytest.mark.parametrize("name", zoo.MLPERF)
def test_mlperf_macs(name):
    macs = _macs(_graph(name))
    ref = zoo.MLPERF_MACS[name]
    assert abs(macs - ref) / ref < 0.05, f"{name}: {macs} MACs, reference {ref:.0f}"


def test_random_inputs():
    a = zoo.random_inputs("conv_same_relu", 10, seed=7)
    b = zoo.random_inputs(zoo.tflite_path("conv_same_relu"), 10, seed=7)
    assert a.dtype == np.int8 and a.shape == (10, 8, 8, 3)
    np.testing.assert_array_equal(a, b)
    assert a.min() == -128 and a.max() == 127
    assert not np.array_equal(a, zoo.random_inputs("conv_same_relu", 10, seed=8))
    assert zoo.random_inputs("fc_autoencoder", 3, seed=0).shape == (3, 640)


def test_cache_is_stable(tmp_path, monkeypatch):
    p = zoo.tflite_path("conv_1x1")
    assert p.parent == zoo.cache_dir() and p.read_bytes()[4:8] == b"TFL3"
    assert zoo.tflite_path("conv_1x1") == p
    monkeypatch.setenv("TD_ZOO_CACHE", str(tmp_path))
    q = zoo.tflite_path("conv_1x1")
    assert q.is_relative_to(tmp_path)
    assert q.read_bytes() == p.read_bytes()     # conversion is deterministic
    assert not list(q.parent.glob("*.tmp"))


def test_tflm_arena_bytes():
    r = oracle.tflm_arena_bytes(zoo.tflite_path("ds_cnn"))
    assert set(r) == {"total", "head", "tail"}
    assert r["total"] == r["head"] + r["tail"]
    assert r["head"] >= 25 * 5 * 64 * 2      # two 25x5x64 int8 activations live at once
    r2 = oracle.tflm_arena_bytes(zoo.tflite_path("ds_cnn").read_bytes())
    assert r2 == r
