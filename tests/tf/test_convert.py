"""The convert stage: Keras 3 / tf_keras / SavedModel -> full-int8 .tflite, plus data loading.

Every model is built here with seeded weights (nothing is downloaded). TensorFlow is imported
inside the tests so that collecting this file stays cheap for `-m unit` runs.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinydeploy.data import load_arrays
from tinydeploy.errors import DataError, ModelError
from tinydeploy.train import convert as conv
from tinydeploy.train import tfenv

pytestmark = pytest.mark.tf

SHAPE = (8, 8, 1)


@pytest.fixture(scope="module")
def tf():
    import tensorflow
    return tensorflow


def _images(n=64, seed=0):
    return np.random.default_rng(seed).random((n, *SHAPE), dtype=np.float32)


def _keras3_cnn():
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input(SHAPE), keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(),
        keras.layers.ReLU(), keras.layers.Flatten(), keras.layers.Dropout(0.5),
        keras.layers.Dense(3, activation="softmax")])


def _tf_keras_cnn():
    import tf_keras

    tf_keras.utils.set_random_seed(0)
    return tf_keras.Sequential([
        tf_keras.Input(SHAPE), tf_keras.layers.Conv2D(4, 3, activation="relu"),
        tf_keras.layers.Flatten(), tf_keras.layers.Dense(3, activation="softmax")])


def _tflite_info(tf, path):
    """(input dtype, output dtype, input shape, op names) of a .tflite file."""
    interp = conv.interpreter(tf, Path(path).read_bytes())
    d_in, d_out = interp.get_input_details()[0], interp.get_output_details()[0]
    ops = {op["op_name"] for op in interp._get_ops_details()}
    return d_in["dtype"], d_out["dtype"], list(d_in["shape"]), ops


def _saved_model_with(tf, path, fn):
    """A SavedModel whose serving signature is fn(x) @ w for x of shape [None, 8]."""
    mod = tf.Module()
    mod.w = tf.Variable(tf.random.stateless_normal((8, 3), seed=(1, 2)))
    mod.f = tf.function(lambda x: tf.matmul(fn(x), mod.w),
                        input_signature=[tf.TensorSpec((None, 8), tf.float32)])
    tf.saved_model.save(mod, str(path), signatures=mod.f)
    return path


# ---------------------------------------------------------------- conversion per model kind

def test_keras3_model_converts_to_static_int8(tf, tmp_path):
    model = tmp_path / "m.keras"
    _keras3_cnn().save(model)
    np.savez(tmp_path / "data.npz", x=_images(64))
    messages = []
    report = conv.convert_model(model, tmp_path / "data.npz", tmp_path / "out" / "m.tflite",
                                progress=messages.append)

    out = tmp_path / "out" / "m.tflite"
    assert report["output"] == str(out) and report["size_bytes"] == out.stat().st_size
    assert report["keras"] == "keras3"
    assert report["calibration"] == "64 samples from data.npz:x"  # 200 asked, 64 available
    assert "loading model" in messages and "calibrating on 64 samples" in messages
    in_dt, out_dt, in_shape, ops = _tflite_info(tf, out)
    assert in_dt == np.int8 and out_dt == np.int8
    assert in_shape == [1, *SHAPE] and report["input_quant"]["shape"] == [1, *SHAPE]
    assert report["output_quant"]["shape"] == [1, 3]
    # batch pinned to 1: no dynamic-shape ops from Flatten, BatchNorm folded, Dropout gone
    assert ops == {"CONV_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"}
    assert report["float_accuracy"] is None and report["eval_samples"] == 0
    assert "not measured" in conv.format_report(report)


def test_tf_keras_h5_converts(tf, tmp_path):
    _tf_keras_cnn().save(tmp_path / "m.h5")
    np.save(tmp_path / "x.npy", _images(40))
    report = conv.convert_model(tmp_path / "m.h5", tmp_path / "x.npy", tmp_path / "m.tflite",
                                samples=10)
    assert report["keras"] == "tf_keras"
    assert report["calibration"] == "10 samples from x.npy"
    in_dt, out_dt, in_shape, _ = _tflite_info(tf, tmp_path / "m.tflite")
    assert (in_dt, out_dt, in_shape) == (np.int8, np.int8, [1, *SHAPE])


def test_saved_model_directory_converts(tf, tmp_path):
    _keras3_cnn().export(tmp_path / "sm", verbose=False)  # batch=None signature
    np.savez(tmp_path / "d.npz", x=_images(32))
    report = conv.convert_model(tmp_path / "sm", tmp_path / "d.npz", tmp_path / "m.tflite")
    assert report["keras"] == "saved_model"
    in_dt, out_dt, in_shape, ops = _tflite_info(tf, tmp_path / "m.tflite")
    assert (in_dt, out_dt, in_shape) == (np.int8, np.int8, [1, *SHAPE])
    assert not ops & {"SHAPE", "STRIDED_SLICE", "PACK"}


def test_qat_model_uses_trained_ranges(tf, tmp_path):
    import tensorflow_model_optimization as tfmot
    qat = tfmot.quantization.keras.quantize_model(_tf_keras_cnn())
    qat.save(tmp_path / "qat.h5")
    np.savez(tmp_path / "d.npz", x=_images(16))
    messages = []
    report = conv.convert_model(tmp_path / "qat.h5", tmp_path / "d.npz",
                                tmp_path / "m.tflite", progress=messages.append)
    assert report["calibration"] == "QAT ranges (no calibration pass)"
    assert not any(m.startswith("calibrating") for m in messages)
    in_dt, out_dt, _, _ = _tflite_info(tf, tmp_path / "m.tflite")
    assert in_dt == np.int8 and out_dt == np.int8


# ---------------------------------------------------------------- accuracy report

def _blobs(n, seed):
    """Three well separated Gaussian blobs in 16-d: a task a tiny MLP solves."""
    rng = np.random.default_rng(seed)
    centers = np.random.default_rng(42).normal(0, 3, (3, 16))
    y = rng.integers(0, 3, n)
    return (centers[y] + rng.normal(0, 1, (n, 16))).astype(np.float32), y


def test_accuracy_report_float_vs_int8(tf, tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    x_train, y_train = _blobs(300, seed=1)
    x_test, y_test = _blobs(1200, seed=2)
    model.fit(x_train, y_train, epochs=15, batch_size=32, verbose=0)
    model.save(tmp_path / "mlp.keras")
    np.savez(tmp_path / "d.npz", x_train=x_train, y_train=y_train,
             x_test=x_test, y_test=y_test)

    report = conv.convert_model(tmp_path / "mlp.keras", tmp_path / "d.npz",
                                tmp_path / "mlp.tflite", samples=100)
    assert report["calibration"] == "100 samples from d.npz:x_test"
    assert report["eval_samples"] == 1000  # capped
    assert report["float_accuracy"] >= 0.9
    assert abs(report["int8_accuracy"] - report["float_accuracy"]) <= 0.05
    assert "top-1 accuracy on 1000 samples" in conv.format_report(report)

    # one-hot labels give the same answer as class ids
    np.savez(tmp_path / "onehot.npz", x=x_test, y=np.eye(3, dtype=np.float32)[y_test])
    again = conv.convert_model(tmp_path / "mlp.keras", tmp_path / "onehot.npz",
                               tmp_path / "mlp2.tflite", samples=100)
    assert again["float_accuracy"] == report["float_accuracy"]

    np.savez(tmp_path / "bad.npz", x=x_test[:10], y=np.full(10, 7))
    with pytest.raises(DataError, match="label ids range 7..7 but the model has 3 classes"):
        conv.convert_model(tmp_path / "mlp.keras", tmp_path / "bad.npz", tmp_path / "x.tflite")


# ---------------------------------------------------------------- errors

def test_data_shape_mismatch_shows_both_shapes(tf, tmp_path):
    _keras3_cnn().save(tmp_path / "m.keras")
    np.savez(tmp_path / "d.npz", x=np.zeros((4, 8, 8), np.float32))
    with pytest.raises(DataError, match=r"shape \(8, 8\) but m.keras expects \(8, 8, 1\)"):
        conv.convert_model(tmp_path / "m.keras", tmp_path / "d.npz", tmp_path / "m.tflite")
    assert not (tmp_path / "m.tflite").exists()


def test_npz_with_wrong_keys_lists_found_keys(tf, tmp_path):
    _keras3_cnn().save(tmp_path / "m.keras")
    np.savez(tmp_path / "d.npz", images=np.zeros((2, 3)), labels=np.zeros(2))
    with pytest.raises(DataError, match=r"none of the keys .*\(found: images, labels\)"):
        conv.convert_model(tmp_path / "m.keras", tmp_path / "d.npz", tmp_path / "m.tflite")


def test_missing_data_file(tf, tmp_path):
    _keras3_cnn().save(tmp_path / "m.keras")
    with pytest.raises(DataError, match="data file not found: .*nope.npz"):
        conv.convert_model(tmp_path / "m.keras", tmp_path / "nope.npz", tmp_path / "m.tflite")


def test_load_arrays_contract(tmp_path):
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.savez(tmp_path / "d.npz", x_train=x, y_train=np.arange(4), x_val=x[:2], y_val=[0, 1])
    got_x, got_y, desc = load_arrays(tmp_path / "d.npz")
    assert desc == "d.npz:x_val" and got_x.shape == (2, 3) and list(got_y) == [0, 1]

    np.savez(tmp_path / "obj.npz", x=np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(DataError, match="never loads pickles"):
        load_arrays(tmp_path / "obj.npz")
    np.savez(tmp_path / "len.npz", x=x, y=np.arange(3))
    with pytest.raises(DataError, match="4 samples but len.npz:y has 3 labels"):
        load_arrays(tmp_path / "len.npz")
    np.savez(tmp_path / "empty.npz", x=np.zeros((0, 3)))
    with pytest.raises(DataError, match="empty"):
        load_arrays(tmp_path / "empty.npz")
    (tmp_path / "d.csv").write_text("1,2\n")
    with pytest.raises(DataError, match="unknown data file type '.csv'"):
        load_arrays(tmp_path / "d.csv")


def test_corrupt_keras_file_is_model_error(tf, tmp_path):
    (tmp_path / "m.keras").write_bytes(b"PK\x03\x04 this is not a zip archive" * 4)
    np.savez(tmp_path / "d.npz", x=_images(4))
    with pytest.raises(ModelError, match="m.keras is not a valid .keras file"):
        conv.convert_model(tmp_path / "m.keras", tmp_path / "d.npz", tmp_path / "m.tflite")


def test_unknown_custom_layer_is_named(tf, tmp_path):
    import tf_keras

    class MyScale(tf_keras.layers.Layer):  # deliberately not registered
        def call(self, x):
            return x * 2.0

    model = tf_keras.Sequential([tf_keras.Input((8,)), MyScale(), tf_keras.layers.Dense(2)])
    model.save(tmp_path / "c.h5")
    np.savez(tmp_path / "d.npz", x=np.zeros((4, 8), np.float32))
    with pytest.raises(ModelError, match="custom layer/class 'MyScale'"):
        conv.convert_model(tmp_path / "c.h5", tmp_path / "d.npz", tmp_path / "c.tflite")


def test_unsupported_op_is_one_line_model_error(tf, tmp_path):
    sm = _saved_model_with(tf, tmp_path / "sm", lambda x: tf.math.erfinv(x * 0.5))
    np.savez(tmp_path / "d.npz", x=np.zeros((4, 8), np.float32))
    with pytest.raises(ModelError) as info:
        conv.convert_model(sm, tmp_path / "d.npz", tmp_path / "m.tflite")
    assert "'tf.Erfinv' op is neither a custom op nor a flex op" in str(info.value)
    assert "\n" not in str(info.value)


def test_failed_run_keeps_previous_output_and_leaves_no_temp_file(tf, tmp_path):
    # CUMSUM has no int8 kernel: the converter leaves it in float and we must refuse
    sm = _saved_model_with(tf, tmp_path / "sm", lambda x: tf.math.cumsum(x, axis=1))
    np.savez(tmp_path / "d.npz", x=np.random.default_rng(0).random((8, 8), np.float32))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "m.tflite").write_bytes(b"previous")
    with pytest.raises(ModelError, match="no int8 TFLite kernel for CUMSUM"):
        conv.convert_model(sm, tmp_path / "d.npz", out_dir / "m.tflite")
    assert (out_dir / "m.tflite").read_bytes() == b"previous"
    assert os.listdir(out_dir) == ["m.tflite"]


def test_write_failure_leaves_no_partial_file(tf, tmp_path, monkeypatch):
    _keras3_cnn().save(tmp_path / "m.keras")
    np.savez(tmp_path / "d.npz", x=_images(8))

    def broken_replace(src, dst):
        raise OSError("disk full")

    import tinydeploy.writer
    monkeypatch.setattr(tinydeploy.writer.os, "replace", broken_replace)
    from tinydeploy.errors import OutputError
    with pytest.raises(OutputError, match="cannot write .*m.tflite: disk full"):
        conv.convert_model(tmp_path / "m.keras", tmp_path / "d.npz", tmp_path / "o" / "m.tflite")
    assert os.listdir(tmp_path / "o") == []


def test_importing_convert_does_not_import_tensorflow():
    code = "import sys, tinydeploy.train.convert; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_native_stderr_filter_drops_tf_noise_but_keeps_real_messages(capfd, monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    with tfenv.native_stderr():
        os.write(2, b"I0000 00:00:1.5 42 port.cc:153] oneDNN custom operations are on.\n"
                    b"WARNING: All log messages before absl::InitializeLog() is called\n"
                    b"E0000 00:00:1.6 42 something real broke\n")
    err = capfd.readouterr().err
    assert "something real broke" in err
    assert "oneDNN" not in err and "InitializeLog" not in err
