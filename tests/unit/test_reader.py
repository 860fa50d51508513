"""The reader and validation: every rejection is a one-line ModelError naming the cause."""
import numpy as np
import pytest

from tinydeploy.compiler.reader import load_model
from tinydeploy.errors import ModelError

from tflite_builder import build, fc_softmax_model, tensor

pytestmark = pytest.mark.unit


def _write(tmp_path, buf, name="m.tflite"):
    p = tmp_path / name
    p.write_bytes(buf)
    return p


def test_reads_ops_shapes_and_quantization(fc_model):
    g = load_model(fc_model)
    assert [op.kind for op in g.ops] == ["FULLY_CONNECTED", "SOFTMAX"]
    x = g.t(g.inputs[0])
    assert x.shape == (1, 16) and x.dtype == "int8"
    assert x.zero_point == -3 and abs(x.scale - 0.05) < 1e-7
    assert g.t(1).data.shape == (5, 16)


def test_not_a_tflite_file(tmp_path):
    with pytest.raises(ModelError, match="not a TFLite flatbuffer"):
        load_model(_write(tmp_path, b"PK\x03\x04 this is a zip, not a model"))


def test_missing_file(tmp_path):
    with pytest.raises(ModelError, match="no such file"):
        load_model(tmp_path / "absent.tflite")


@pytest.mark.parametrize("cut", [12, 40, 200, -60])
def test_truncated_file(tmp_path, cut):
    buf = fc_softmax_model()
    with pytest.raises(ModelError, match="truncated or corrupt|not a TFLite|past the end"):
        load_model(_write(tmp_path, buf[:cut]))


def test_unsupported_ops_are_all_named_with_layer_index(tmp_path):
    tensors = [tensor("x", [1, 8], "int8", 0.1, 0), tensor("y", [1, 8], "int8", 0.1, 0),
               tensor("z", [1, 8], "int8", 0.1, 0)]
    buf = build(tensors, [("LSH_PROJECTION", [0], [1]), ("CUSTOM:MyOp", [1], [2])], [0], [2])
    with pytest.raises(ModelError) as e:
        load_model(_write(tmp_path, buf))
    msg = str(e.value)
    assert "layer 0 LSH_PROJECTION" in msg and "layer 1 CUSTOM:MyOp" in msg and "\n" not in msg


def test_float_model_is_refused(tmp_path):
    tensors = [tensor("x", [1, 4], "float32"),
               tensor("w", [3, 4], "float32", data=np.ones((3, 4), np.float32)),
               tensor("y", [1, 3], "float32")]
    buf = build(tensors, [("FULLY_CONNECTED", [0, 1, -1], [2])], [0], [2])
    with pytest.raises(ModelError, match="not fully int8"):
        load_model(_write(tmp_path, buf))


def test_hybrid_model_is_named_as_such(tmp_path):
    tensors = [tensor("x", [1, 4], "float32"),
               tensor("w", [3, 4], "int8", 0.1, 0, np.ones((3, 4), np.int8)),
               tensor("y", [1, 3], "float32")]
    buf = build(tensors, [("FULLY_CONNECTED", [0, 1, -1], [2])], [0], [2])
    with pytest.raises(ModelError, match="hybrid"):
        load_model(_write(tmp_path, buf))


def test_several_subgraphs_are_refused(tmp_path):
    tensors = [tensor("x", [1, 8], "int8", 0.1, 0), tensor("y", [1, 8], "int8", 1 / 256, -128)]
    buf = build(tensors, [("SOFTMAX", [0], [1])], [0], [1], subgraphs=2)
    with pytest.raises(ModelError, match="2 subgraphs"):
        load_model(_write(tmp_path, buf))


def test_dynamic_shape_is_refused_but_dynamic_batch_is_fine(tmp_path):
    ok = [tensor("x", [1, 8], "int8", 0.1, 0, signature=[-1, 8]),
          tensor("y", [1, 8], "int8", 1 / 256, -128, signature=[-1, 8])]
    load_model(_write(tmp_path, build(ok, [("SOFTMAX", [0], [1])], [0], [1]), "ok.tflite"))
    bad = [tensor("x", [1, 8], "int8", 0.1, 0, signature=[1, -1]),
           tensor("y", [1, 8], "int8", 1 / 256, -128, signature=[1, -1])]
    with pytest.raises(ModelError, match="dynamic shape"):
        load_model(_write(tmp_path, build(bad, [("SOFTMAX", [0], [1])], [0], [1])))


def test_int16_activations_are_refused(tmp_path):
    tensors = [tensor("x", [1, 8], "int16", 0.1, 0), tensor("y", [1, 8], "int16", 0.1, 0)]
    buf = build(tensors, [("RELU", [0], [1])], [0], [1])
    with pytest.raises(ModelError, match="int16"):
        load_model(_write(tmp_path, buf))


def _int4_fc(on_add=False, values=16):
    """FC with INT4 weights [5][16] holding 5 x `values` packed values; or (on_add) an ADD
    of the input and an INT4 constant."""
    w = np.random.default_rng(0).integers(-8, 8, (5, 16))
    if on_add:
        ts = [tensor("in", [1, 16], "int8", 0.05, -3), tensor("k", [1, 16], "int4", 0.05, 0, w[0]),
              tensor("out", [1, 16], "int8", 0.1, 0)]
        return build(ts, [("ADD", [0, 1], [2], ("AddOptions", {}))], [0], [2])
    ts = [tensor("in", [1, 16], "int8", 0.05, -3),
          tensor("w", [5, 16], "int4", 0.1, 0, w[:, :values]),
          tensor("out", [1, 5], "int8", 0.3, 4)]
    return build(ts, [("FULLY_CONNECTED", [0, 1, -1], [2], ("FullyConnectedOptions", {}))], [0], [2])


def test_int4_weights_are_unpacked_to_int8(tmp_path):
    g = load_model(_write(tmp_path, _int4_fc()))
    w = g.tensors[1]
    assert w.int4 and w.dtype == "int8" and w.nbytes == 40       # 80 values, packed
    np.testing.assert_array_equal(w.data, np.random.default_rng(0).integers(-8, 8, (5, 16)))


def test_int4_data_of_the_wrong_size_is_damage(tmp_path):
    with pytest.raises(ModelError, match="38 bytes of data for 80 packed int4 values"):
        load_model(_write(tmp_path, _int4_fc(values=15)))


def test_int4_outside_the_weights_of_fc_conv_depthwise_is_not_supported(tmp_path):
    with pytest.raises(ModelError, match="not supported.*int4 tensor 'k' of layer 0 ADD"):
        load_model(_write(tmp_path, _int4_fc(on_add=True)))
