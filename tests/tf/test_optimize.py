"""The optimize stage: pruning (unstructured and M:N), clustering, QAT and their combinations,
measured in the int8 .tflite, plus the unsupported-layer and option errors.

Models are tiny and trained here on scikit-learn's bundled digits (nothing is downloaded);
every optimize run uses 1-3 epochs so the file stays well under a minute or two.
"""
from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pytest

from tinydeploy.errors import DataError, ModelError, TinyDeployError

from digits_data import write_digits

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("optimize")


@pytest.fixture(scope="module")
def digits(work):
    """digits.npz (x_train/y_train/x_test/y_test, 8x8x1 in [0, 1]) and the arrays."""
    return write_digits(work)


@pytest.fixture(scope="module")
def cnn(work, digits):
    """A small Keras 3 CNN trained on digits, saved as .keras (the default format)."""
    import keras
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv_a"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(32, 3, activation="relu", name="conv_b"),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax", name="fc")], name="tiny")
    model.compile(keras.optimizers.Adam(0.005), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    a = digits[1]
    model.fit(a["x_train"], a["y_train"], epochs=12, batch_size=32, verbose=0)
    model.save(work / "tiny.keras")
    return work / "tiny.keras"


@pytest.fixture(scope="module")
def pqat(work, digits, cnn):
    """prune 50% + QAT (PQAT) with the PTQ baseline; the report and the progress lines."""
    from tinydeploy.train.optimize import optimize_model
    messages = []
    report = optimize_model(cnn, digits[0], work / "out" / "tiny_opt.h5", prune=0.5, qat=True,
                            epochs=3, progress=messages.append)
    return report, messages


def _weights(tflite_path):
    """{op index: (op kind, int8 weights)} for the weighted ops of a .tflite."""
    from tinydeploy.compiler.reader import load_model
    g = load_model(tflite_path)
    return {op.index: (op.kind, g.t(op.inputs[1]).data) for op in g.ops
            if op.kind in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")}


# ---------------------------------------------------------------- prune + QAT

def test_prune_qat_report_and_files(pqat, work):
    report, messages = pqat
    out = work / "out"
    assert report["output"] == str(out / "tiny_opt.h5") and (out / "tiny_opt.h5").exists()
    assert report["tflite"] == str(out / "tiny_opt.tflite")
    assert json.loads((out / "tiny_opt.report.json").read_text()) == json.loads(
        json.dumps(report))
    assert report["keras"] == "keras3"
    assert [s["label"] for s in report["stages"]] == [
        "float", "int8, PTQ only", "pruned (polynomial 0 -> 50%)", "PQAT", "int8"]
    assert report["loss"].startswith("sparse_categorical_crossentropy (from the model's")
    assert report["summary"].startswith("prune 50% + PQAT, 3 epoch(s) per stage: float ")
    assert "-> PQAT " in report["summary"] and "(plain PTQ int8 " in report["summary"]
    final = report["stages"][-1]
    assert final["calibration"] == "QAT ranges (no calibration pass)"
    assert final["scored_by"].startswith("generated C on the host")
    assert final["size_bytes"] == (out / "tiny_opt.tflite").stat().st_size
    assert final["arena_bytes"] > 0 and final["flash_bytes"] > final["const_bytes"] > 0
    # progress per epoch, per stage
    assert "prune epoch 1/3" in " ".join(messages) and "PQAT epoch 3/3" in " ".join(messages)

    from tinydeploy.train.optimize import format_optimize_report
    text = format_optimize_report(report)
    assert "stage" in text and "PQAT" in text and "int8 weights of" in text


def test_pruned_int8_weights_are_sparse_and_qat_keeps_them(pqat):
    report, _ = pqat
    final = report["stages"][-1]
    pruned = [r for r in final["layers"] if "pruned" in r["applied"]]
    assert {r["layer"] for r in pruned} == {"conv_a", "conv_b", "fc"}
    weights = _weights(report["tflite"])
    for row in pruned:  # measured again from the file, not from the report
        kind, w = weights[row["index"]]
        assert np.mean(w == 0) >= 0.45, (row["layer"], np.mean(w == 0))
    by = {s["label"]: s for s in report["stages"]}
    assert by["pruned (polynomial 0 -> 50%)"]["sparsity"] >= 0.49
    assert by["PQAT"]["sparsity"] >= by["pruned (polynomial 0 -> 50%)"]["sparsity"] - 1e-6
    assert final["sparsity"] >= 0.49 and final["sparsity_pruned_layers"] >= 0.49
    assert by["int8, PTQ only"]["sparsity"] < 0.05  # the baseline is dense


def test_int8_accuracy_close_to_float(pqat):
    report, _ = pqat
    by = {s["label"]: s for s in report["stages"]}
    assert by["float"]["accuracy"] >= 0.9
    assert abs(by["int8"]["accuracy"] - by["float"]["accuracy"]) <= 0.02


def test_optimized_model_converts_and_predicts_bit_exact(pqat, digits, work):
    from tinydeploy.compiler.predict import predict
    from tinydeploy.train.convert import convert_model

    from oracle import run_tflm
    report, _ = pqat
    np.save(work / "x_test.npy", digits[1]["x_test"])
    np.save(work / "y_test.npy", digits[1]["y_test"])
    conv = convert_model(report["output"], digits[0], work / "again.tflite")
    assert conv["calibration"] == "QAT ranges (no calibration pass)"
    r = predict(work / "again.tflite", work / "x_test.npy", work / "y_test.npy")
    assert r["accuracy"] == pytest.approx(report["stages"][-1]["accuracy"])
    xq = _quantized_inputs(work / "again.tflite", digits[1]["x_test"])
    ref = run_tflm(work / "again.tflite", xq)
    assert np.array_equal(r["outputs"], ref.reshape(r["outputs"].shape))


def _quantized_inputs(tflite_path, x):
    from tinydeploy.compiler.quant import quantize_inputs
    from tinydeploy.compiler.reader import load_model
    g = load_model(tflite_path)
    t = g.t(g.inputs[0])
    return quantize_inputs(x, t.shape, t.scale, t.zero_point)


# ---------------------------------------------------------------- M:N and clustering

def test_prune_structure_2_4_holds_in_every_group(cnn, digits, work):
    from tinydeploy.train.optimize import optimize_model
    with pytest.raises(ModelError) as info:  # the first conv has 1 input channel
        optimize_model(cnn, digits[0], work / "s.h5", prune_structure="2:4", qat=True)
    msg = str(info.value)
    assert "conv_a (Conv2D: 1 input channels" in msg and "--skip-unsupported" in msg
    assert "\n" not in msg

    report = optimize_model(cnn, digits[0], work / "s24.h5", prune_structure="2:4", qat=True,
                            skip_unsupported=True, epochs=2, baseline=False)
    assert [s["layer"] for s in report["skipped"]] == ["conv_a"]
    weights = _weights(report["tflite"])
    rows = [r for r in report["stages"][-1]["layers"] if "2:4" in r["applied"]]
    assert {r["layer"] for r in rows} == {"conv_b", "fc"}
    for row in rows:
        kind, w = weights[row["index"]]
        groups = w.reshape(-1, w.shape[-1]).reshape(-1, 4)  # 4 consecutive input channels
        assert np.count_nonzero(groups, axis=1).max() <= 2, row["layer"]


def test_cluster_with_cqat_leaves_at_most_n_values(cnn, digits, work):
    from tinydeploy.train.optimize import optimize_model
    report = optimize_model(cnn, digits[0], work / "c4.h5", cluster=4, qat=True, epochs=1,
                            baseline=False)
    by = {s["label"]: s for s in report["stages"]}
    assert list(by) == ["float", "clustered (4)", "CQAT", "int8"]
    assert by["clustered (4)"]["max_levels"] <= 4
    weights = _weights(report["tflite"])
    rows = [r for r in by["int8"]["layers"] if "clustered 4" in r["applied"]]
    assert len(rows) == 3
    for row in rows:
        kind, w = weights[row["index"]]
        if kind == "FULLY_CONNECTED":  # per-tensor scale: the whole tensor
            assert np.unique(w).size <= 4
        for ch in w.reshape(w.shape[0], -1):  # per-channel scales: each output channel
            assert np.unique(ch).size <= 4


# ---------------------------------------------------------------- models tfmot cannot take

def _keras3_with_rescaling_and_slice(path):
    import keras
    keras.utils.set_random_seed(0)
    inp = keras.Input((8, 8, 1))
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="rescaling")(inp)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = x[:, :, :, :4]
    x = keras.layers.Flatten()(x)
    model = keras.Model(inp, keras.layers.Dense(10, activation="softmax")(x))
    model.save(path)
    return path


def test_unsupported_layers_are_listed_with_the_fallback(digits, work):
    from tinydeploy.train.optimize import optimize_model
    model = _keras3_with_rescaling_and_slice(work / "odd.keras")
    with pytest.raises(ModelError) as info:
        optimize_model(model, digits[0], work / "odd.h5", prune=0.5, qat=True)
    msg = str(info.value)
    assert "tfmot cannot quantize (QAT) 2 layer(s): rescaling (Rescaling), " in msg
    assert "(SlicingOpLambda)" in msg and "--skip-unsupported" in msg
    assert "left in float during QAT" in msg and "\n" not in msg
    assert not (work / "odd.h5").exists()

    report = optimize_model(model, digits[0], work / "odd.h5", prune=0.5, qat=True, epochs=1,
                            skip_unsupported=True, baseline=False)
    assert {s["type"] for s in report["skipped"]} == {"Rescaling", "SlicingOpLambda"}
    final = report["stages"][-1]
    assert final["calibration"].startswith("QAT ranges + ")  # the float parts calibrated
    # the float parts sit at the model's edge and STRIDED_SLICE has a kernel: the whole int8
    # model runs in the generated C, which scores it
    assert final["scored_by"].startswith("generated C on the host")
    assert all(r["sparsity"] >= 0.45 for r in final["layers"])


def test_custom_keras3_layer_is_named(digits, work):
    import keras

    @keras.saving.register_keras_serializable("tinydeploy_test")
    class Twice(keras.layers.Layer):
        def call(self, x):
            return x * 2.0

    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), Twice(),
                              keras.layers.Dense(10, activation="softmax")])
    model.save(work / "custom.keras")
    from tinydeploy.train.optimize import optimize_model
    with pytest.raises(ModelError, match=r"cannot rebuild 1 layer\(s\) of the Keras 3 model in "
                                         r"tf_keras.*twice \(Twice: custom layer\)"):
        optimize_model(work / "custom.keras", digits[0], work / "c.h5", qat=True)


# ---------------------------------------------------------------- inputs, data, options

def _mlp_tf_keras(path):
    import tf_keras
    tf_keras.utils.set_random_seed(0)
    model = tf_keras.Sequential([tf_keras.Input((8, 8, 1)), tf_keras.layers.Flatten(),
                                 tf_keras.layers.Dense(16, activation="relu"),
                                 tf_keras.layers.Dense(10)])  # logits, not compiled
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "HDF5 is legacy"
        model.save(path)
    return path


def test_tf_keras_h5_with_inferred_loss_and_keras_output(digits, work):
    from tinydeploy.train.convert import convert_model
    from tinydeploy.train.optimize import optimize_model
    model = _mlp_tf_keras(work / "mlp.h5")
    report = optimize_model(model, digits[0], work / "mlp_opt.keras", prune=0.6, epochs=2,
                            baseline=False)
    assert report["keras"] == "tf_keras"
    assert report["loss"] == ("SparseCategoricalCrossentropy(from_logits=True) "
                              "(inferred: integer labels, linear output)")
    final = report["stages"][-1]
    assert final["calibration"].startswith("200 samples from digits.npz:x_train")
    assert all(r["sparsity"] >= 0.55 for r in final["layers"])
    # the non-QAT output may be .keras (tf_keras); convert takes it as it is
    assert convert_model(work / "mlp_opt.keras", digits[0], work / "m.tflite")["keras"] \
        == "tf_keras"


def test_seeded_runs_are_reproducible(digits, work):
    from tinydeploy.train.optimize import optimize_model
    model = _mlp_tf_keras(work / "mlp2.h5")
    runs = [optimize_model(model, digits[0], work / f"r{i}.h5", prune=0.5, qat=True,
                           epochs=1, seed=3, baseline=False) for i in (1, 2)]
    from tinydeploy.compiler.reader import load_model
    a, b = (load_model(r["tflite"]) for r in runs)  # names may differ (Keras name counters)
    assert [op.kind for op in a.ops] == [op.kind for op in b.ops]
    for ta, tb in zip(a.tensors, b.tensors, strict=True):
        assert ta.shape == tb.shape and (ta.data is None) == (tb.data is None)
        if ta.data is not None:
            assert np.array_equal(ta.data, tb.data)
        if ta.quant is not None:
            assert np.array_equal(ta.quant.scale, tb.quant.scale)
            assert np.array_equal(ta.quant.zero_point, tb.quant.zero_point)
    def figures(r):
        return [(s["label"], s["accuracy"], s["loss"], s["sparsity"]) for s in r["stages"]]
    assert figures(runs[0]) == figures(runs[1])


def test_data_from_a_function_returning_a_dataset(digits, work):
    from tinydeploy.train.optimize import optimize_model
    (work / "mydata.py").write_text(
        "import numpy as np\n"
        "import tensorflow as tf\n"
        f"_D = np.load({str(digits[0])!r})\n"
        "def train_val():\n"
        "    tr = tf.data.Dataset.from_tensor_slices((_D['x_train'], _D['y_train'])).batch(50)\n"
        "    va = tf.data.Dataset.from_tensor_slices((_D['x_test'], _D['y_test']))\n"
        "    return tr, va\n")
    model = _mlp_tf_keras(work / "mlp3.h5")
    report = optimize_model(model, f"{work / 'mydata.py'}:train_val", work / "d.h5", qat=True,
                            epochs=1, baseline=False)
    assert report["data"]["train"].endswith(":x_train (1437)")
    assert report["data"]["eval"].endswith(":x_val (360)")
    assert [s["label"] for s in report["stages"]] == ["float", "QAT", "int8"]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(prune=50), TinyDeployError, r"fraction between 0 and 1, e.g. 0.5"),
    (dict(prune_structure="4:2"), TinyDeployError, r"M:N with 0 < M < N"),
    (dict(prune_structure="2-4"), TinyDeployError, r"M:N with 0 < M < N"),
    (dict(prune=0.5, prune_structure="2:4"), TinyDeployError, r"not both"),
    (dict(cluster=1), TinyDeployError, r"--cluster takes"),
    (dict(), TinyDeployError, r"nothing to do"),
    (dict(qat=True, out="m.keras"), TinyDeployError, r"cannot be reloaded from .keras"),
    (dict(qat=True, data="no-such-thing"), DataError, r"unknown data 'no-such-thing'"),
    (dict(qat=True, data="x.npy"), DataError, r"needs labels"),
    (dict(qat=True, data="nomodule_xyz:load"), DataError, r"cannot import nomodule_xyz"),
    (dict(qat=True, loss="categorical_crossentropy"), DataError, r"does not fit labels"),
])
def test_option_and_data_errors_are_one_line(digits, cnn, work, kwargs, error, match):
    from tinydeploy.train.optimize import optimize_model
    np.save(work / "x.npy", digits[1]["x_test"])
    data = kwargs.pop("data", digits[0])
    data = work / data if str(data).endswith(".npy") else data
    out = work / kwargs.pop("out", "e.h5")
    with pytest.raises(error, match=match) as info:
        optimize_model(cnn, data, out, **kwargs)
    assert "\n" not in str(info.value)


def test_saved_model_without_keras_metadata_is_refused(cnn, digits, work):
    import keras
    keras.saving.load_model(cnn).export(work / "exported", verbose=False)
    from tinydeploy.train.optimize import optimize_model
    with pytest.raises(ModelError, match="has no Keras layers.*pass its .keras or .h5"):
        optimize_model(work / "exported", digits[0], work / "x.h5", qat=True)


def test_cli_optimize_command(cnn, digits, work):
    from click.testing import CliRunner

    from tinydeploy.cli import main
    runner = CliRunner()
    res = runner.invoke(main, ["optimize", str(cnn), "--data", str(digits[0]), "--qat",
                               "--epochs", "1", "--no-baseline", "--json",
                               "-o", str(work / "cli" / "m.h5")])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert [s["label"] for s in report["stages"]] == ["float", "QAT", "int8"]
    assert (work / "cli" / "m.tflite").exists() and (work / "cli" / "m.report.json").exists()

    odd = _keras3_with_rescaling_and_slice(work / "odd_cli.keras")
    res = runner.invoke(main, ["optimize", str(odd), "--data", str(digits[0]), "--qat",
                               "-o", str(work / "cli" / "odd.h5")])
    assert res.exit_code == 1
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in res.output
    assert errors[0].startswith("error: odd_cli.keras: tfmot cannot quantize (QAT) 2 layer")


def test_importing_optimize_does_not_import_tensorflow():
    code = "import sys, tinydeploy.train.optimize; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
