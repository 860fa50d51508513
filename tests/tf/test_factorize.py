"""`optimize --factorize`: the truncated-SVD math, the rebuilt models, the CLI end to end (alone
and with pruning), and the refusals.

Models are tiny and trained here on scikit-learn's bundled digits, like test_optimize.py;
every optimize run uses 1-2 epochs.
"""
from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from tinydeploy.errors import ModelError

from digits_data import write_digits

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("factorize")


@pytest.fixture(scope="module")
def digits(work):
    """digits.npz (x_train/y_train/x_test/y_test, 8x8x1 in [0, 1]) and the arrays."""
    return write_digits(work)


@pytest.fixture(scope="module")
def mlp(work, digits):
    """A tf_keras Sequential MLP trained on digits, saved as .h5: every Dense keeps 90% of its
    energy in fewer parameters once trained (rank 32 of 64 in the hidden layers)."""
    import tf_keras
    tf_keras.utils.set_random_seed(0)
    model = tf_keras.Sequential([
        tf_keras.Input((8, 8, 1)), tf_keras.layers.Flatten(),
        tf_keras.layers.Dense(96, activation="relu", name="fc1"),
        tf_keras.layers.Dense(64, activation="relu", name="fc2"),
        tf_keras.layers.Dense(10, activation="softmax", name="out")])
    model.compile(tf_keras.optimizers.Adam(0.005), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    a = digits[1]
    model.fit(a["x_train"], a["y_train"], epochs=10, batch_size=32, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "HDF5 is legacy"
        model.save(work / "mlp.h5")
    return work / "mlp.h5"


@pytest.fixture(scope="module")
def cnn(work, digits):
    """A Keras 3 functional CNN with a 1x1 conv, saved as .keras (rebuilt in tf_keras)."""
    import keras
    keras.utils.set_random_seed(0)
    inp = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv")(inp)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(48, 1, activation="relu", name="pw")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inp, keras.layers.Dense(10, activation="softmax", name="out")(x))
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    a = digits[1]
    model.fit(a["x_train"], a["y_train"], epochs=10, batch_size=32, verbose=0)
    model.save(work / "cnn.keras")
    return work / "cnn.keras"


def _cli(*args):
    from click.testing import CliRunner

    from tinydeploy.cli import main
    return CliRunner().invoke(main, [str(a) for a in args])


# ---------------------------------------------------------------- the SVD and the rebuild

def test_full_rank_factors_reproduce_the_dense_outputs():
    from tinydeploy.train.factorize import svd_factors
    rng = np.random.default_rng(0)
    w, b, x = rng.normal(size=(12, 8)), rng.normal(size=8), rng.normal(size=(5, 12))
    a, bk, s = svd_factors(w, 8)
    assert a.shape == (12, 8) and bk.shape == (8, 8) and len(s) == 8
    assert np.allclose(x @ a @ bk + b, x @ w + b, atol=1e-5)


def test_rank_r_kernel_is_the_best_rank_r_approximation():
    import tf_keras

    from tinydeploy.train.factorize import factorize_model
    tf_keras.utils.set_random_seed(1)
    model = tf_keras.Sequential([tf_keras.Input((20,)),
                                 tf_keras.layers.Dense(30, activation="relu", name="fc")])
    new, rows = factorize_model(tf_keras, model, 4)
    assert [lay.name for lay in new.layers] == ["fc_svd", "fc"]
    a, b = new.get_layer("fc_svd"), new.get_layer("fc")
    assert not a.use_bias and a.activation.__name__ == "linear" and a.units == 4
    assert b.activation.__name__ == "relu"
    w, bias = model.get_layer("fc").get_weights()
    assert np.array_equal(b.bias.numpy(), bias)
    u, s, vt = np.linalg.svd(w.astype(np.float64), full_matrices=False)
    best = (u[:, :4] * s[:4]) @ vt[:4]
    product = a.kernel.numpy() @ b.kernel.numpy()
    assert np.allclose(product, best, atol=1e-5)
    # Eckart-Young: what is lost is the energy of the dropped singular values
    assert np.sum((w - product) ** 2) == pytest.approx(np.sum(s[4:] ** 2), rel=1e-4)
    assert rows == [dict(layer="fc", type="Dense", shape=[20, 30], rank=4,
                         energy=pytest.approx(np.sum(s[:4] ** 2) / np.sum(s ** 2)),
                         params_before=630, params_after=4 * 50 + 30, status="factorized",
                         into=["fc_svd", "fc"])]


def test_energy_picks_the_smallest_rank_that_keeps_it():
    from tinydeploy.train.factorize import choose_rank
    s = np.array([3.0, 2.0, 1.0])  # squares 9, 4, 1: 64.3%, 92.9%, 100% of 14
    assert [choose_rank(s, e) for e in (0.5, 9 / 14, 0.65, 0.9, 0.93, 0.999)] == [1, 1, 2, 2, 3, 3]
    assert choose_rank(s, 2) == 2 and choose_rank(s, 10) == 3


def test_exact_low_rank_functional_model_with_1x1_conv_keeps_its_outputs():
    """Kernels of rank 3 factorized at rank 3 lose nothing: the rebuilt functional model
    (1x1 conv, a Dense called twice) computes what the original does; other convs are kept."""
    import tf_keras

    from tinydeploy.train.factorize import factorize_model
    tf_keras.utils.set_random_seed(2)
    inp = tf_keras.Input((6, 6, 8))
    x = tf_keras.layers.Conv2D(32, 1, activation="relu", name="pw")(inp)
    x = tf_keras.layers.Conv2D(16, 3, name="c3")(x)
    x = tf_keras.layers.Conv2D(16, 1, strides=2, name="strided")(x)
    x = tf_keras.layers.Flatten()(x)
    shared = tf_keras.layers.Dense(64, activation="tanh", name="shared")
    x = tf_keras.layers.Dense(64, name="fc")(x)
    model = tf_keras.Model(inp, shared(shared(x)))
    rng = np.random.default_rng(0)
    for name in ("pw", "shared"):
        lay = model.get_layer(name)
        k, bias = lay.get_weights()
        low = rng.normal(size=(k.shape[-2], 3)) @ rng.normal(size=(3, k.shape[-1])) / 8
        lay.set_weights([low.reshape(k.shape).astype(np.float32), bias])
    new, rows = factorize_model(tf_keras, model, 0.999)
    by = {r["layer"]: r for r in rows}
    assert by["pw"]["rank"] == 3 and by["shared"]["rank"] == 3
    assert by["pw"]["shape"] == [1, 1, 8, 32] and by["pw"]["params_after"] == 3 * 40 + 32
    assert by["c3"]["status"] == "kept: 3x3 kernel"
    assert by["strided"]["status"] == "kept: stride 2x2"
    assert new.get_layer("pw_svd").kernel.shape == (1, 1, 8, 3)
    x = rng.uniform(size=(4, 6, 6, 8)).astype(np.float32)
    assert np.allclose(new.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-4)


def test_nested_model_is_refused_by_name():
    import tf_keras

    from tinydeploy.train.factorize import factorize_model
    inner = tf_keras.Sequential([tf_keras.Input((8,)), tf_keras.layers.Dense(8)], name="block")
    model = tf_keras.Sequential([tf_keras.Input((8,)), inner, tf_keras.layers.Dense(4)])
    with pytest.raises(ModelError, match="layer block is a nested model") as info:
        factorize_model(tf_keras, model, 2)
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------- the CLI end to end

def _inspect_macs(tflite):
    res = _cli("inspect", tflite, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["macs"]


def test_cli_mlp_factorize_energy(mlp, digits, work):
    out = work / "mlp" / "mlp_f.h5"
    res = _cli("optimize", mlp, "--data", digits[0], "-o", out, "--factorize", "0.9",
               "--epochs", "2", "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert json.loads((work / "mlp" / "mlp_f.report.json").read_text()) == report
    assert out.exists() and (work / "mlp" / "mlp_f.tflite").exists()
    assert report["options"]["factorize"] == 0.9
    by = {s["label"]: s for s in report["stages"]}
    assert list(by) == ["float", "int8, PTQ only", "factorized (energy 0.9)", "int8"]
    assert all(s["accuracy"] is not None and s["params"] and s["macs"] for s in by.values())
    assert by["factorized (energy 0.9)"]["params"] < by["float"]["params"]
    assert by["factorized (energy 0.9)"]["macs"] < by["float"]["macs"]
    final = by["int8"]
    assert final["macs"] < by["int8, PTQ only"]["macs"] == by["float"]["macs"]
    assert final["params"] < by["int8, PTQ only"]["params"]
    assert final["flash_bytes"] < by["int8, PTQ only"]["flash_bytes"]
    assert final["accuracy"] >= by["float"]["accuracy"] - 0.05
    for row in report["factorized"]:  # the hidden layers keep 90% at rank 32 of 64
        assert row["status"] == "factorized" and row["energy"] >= 0.9
        assert row["rank"] * sum(row["shape"]) < row["shape"][0] * row["shape"][1]
    assert {r["layer"] for r in final["layers"] if "factorized" in r["applied"]} == {
        "fc1_svd", "fc1", "fc2_svd", "fc2", "out_svd", "out"}
    assert report["summary"].startswith("factorize energy 0.9, 2 epoch(s) per stage: float ")
    assert _inspect_macs(report["tflite"]) == final["macs"]

    from tinydeploy.train.optimize import format_optimize_report
    text = format_optimize_report(report)
    assert "--factorize 0.9: Dense and Conv2D layers" in text and "fc1_svd" in text


def test_cli_cnn_factorize_rank_then_prune(cnn, digits, work):
    out = work / "cnn" / "cnn_f.h5"
    res = _cli("optimize", cnn, "--data", digits[0], "-o", out, "--factorize", "4",
               "--prune", "0.5", "--epochs", "2", "--no-baseline", "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["keras"] == "keras3"
    by = {s["label"]: s for s in report["stages"]}
    assert list(by) == ["float", "factorized (rank 4)", "pruned (polynomial 0 -> 50%)", "int8"]
    assert all(s["accuracy"] is not None for s in by.values())
    assert by["int8"]["params"] < by["float"]["params"]
    assert by["int8"]["macs"] < by["float"]["macs"]
    rows = {r["layer"]: r for r in report["factorized"]}
    assert rows["conv"]["status"] == "kept: 3x3 kernel"
    assert rows["pw"]["rank"] == rows["out"]["rank"] == 4
    layers = {r["layer"]: r for r in by["int8"]["layers"]}
    for name in ("pw_svd", "pw", "out_svd", "out"):  # factorized, then pruned
        assert layers[name]["applied"] == ["factorized", "pruned"]
        assert layers[name]["sparsity"] >= 0.45
    assert layers["conv"]["applied"] == ["pruned"]
    assert _inspect_macs(report["tflite"]) == by["int8"]["macs"]


def test_seeded_factorize_runs_are_reproducible(mlp, digits, work):
    from tinydeploy.train.optimize import optimize_model
    runs = [optimize_model(mlp, digits[0], work / f"seed{i}.h5", factorize=0.8, epochs=1,
                           seed=5, baseline=False) for i in (1, 2)]
    assert [(s["label"], s["accuracy"], s["loss"]) for s in runs[0]["stages"]] == \
           [(s["label"], s["accuracy"], s["loss"]) for s in runs[1]["stages"]]
    a, b = (open(r["tflite"], "rb").read() for r in runs)
    assert a == b


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("value", ["0", "1.5", "-3", "abc", "1.0"])
def test_bad_factorize_values_are_one_usage_line(value, work):
    res = _cli("optimize", "m.h5", "--data", "d.npz", "-o", work / "bad.h5",
               "--factorize", value)
    assert res.exit_code == 2
    errors = [ln for ln in res.output.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in res.output
    assert errors[0] == (f"Error: Invalid value for '--factorize': {value!r} is not a RANK "
                         "(an integer >= 1, e.g. 8) or an ENERGY fraction between 0 and 1 "
                         "(e.g. 0.9)")


@pytest.mark.parametrize("value", [0, 1.5, -3, "abc", True])
def test_bad_factorize_values_in_the_api_are_one_line(value, mlp, digits, work):
    from tinydeploy.errors import TinyDeployError
    from tinydeploy.train.optimize import optimize_model
    with pytest.raises(TinyDeployError, match=r"^--factorize: .* is not a RANK ") as info:
        optimize_model(mlp, digits[0], work / "bad.h5", factorize=value)
    assert "\n" not in str(info.value)


def test_nothing_to_factorize_is_one_error_line(mlp, digits, work):
    res = _cli("optimize", mlp, "--data", digits[0], "-o", work / "none.h5",
               "--factorize", "64")
    assert res.exit_code == 1
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in res.output
    assert errors[0].startswith("error: --factorize 64: nothing to factorize")
    assert "fc1: kept: rank 64 saves no parameters" in errors[0]
    assert not (work / "none.h5").exists()
