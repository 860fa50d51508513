"""Knowledge distillation (`tinydeploy distill`) and the built-in model families.

The distillation task is built here: 10 classes, 3 Gaussian modes each, in 16-D with noise
2.0 (a Bayes error of about 25%, so the teacher's soft labels carry much more than the hard
labels). The teacher (MLP 128x128) trains on 4000 samples; the student (mlp width 32, one
layer, 874 params) gets only 300 and 20 epochs. Measured distilled - alone (float, held-out
1000 samples, the defaults: standardized logits, T=2, alpha=0.5): +3.7 points at task seed
0, +1.8 at seed 1, +2.8 at seed 2 (the classic loss at the same T/alpha: +4.0, +1.9, +4.0);
the test asserts more than 1.5 points at seed 0.
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tinydeploy.errors import TinyDeployError

pytestmark = pytest.mark.tf

MARGIN = 0.015


def _task(seed, n_teacher=4000, n_small=300, n_test=1000, classes=10, dim=16, modes=3):
    rng = np.random.default_rng(100)          # the task itself is fixed
    centers = rng.normal(0, 1.6, size=(classes * modes, dim))

    def draw(n, r):
        k = r.integers(0, classes * modes, n)
        return ((centers[k] + r.normal(0, 2.0, size=(n, dim))).astype(np.float32),
                (k % classes).astype(np.int64))
    r = np.random.default_rng(seed)
    return draw(n_teacher, r), draw(n_small, r), draw(n_test, r)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("distill")


@pytest.fixture(scope="module")
def task(work):
    """teacher.h5 (tf_keras, trained on 4000 samples) and small.npz (300 train, 1000 test)."""
    from tinydeploy.train.tfenv import import_tf
    import_tf()
    import tf_keras as tfk
    (xt, yt), (xs, ys), (xe, ye) = _task(0)
    tfk.utils.set_random_seed(0)
    t = tfk.Sequential([tfk.Input((16,)), tfk.layers.Dense(128, activation="relu"),
                        tfk.layers.Dense(128, activation="relu", name="hidden"),
                        tfk.layers.Dense(10, activation="softmax")])
    t.compile("adam", "sparse_categorical_crossentropy")
    t.fit(xt, yt, epochs=15, batch_size=64, verbose=0)
    t.save(work / "teacher.h5")
    np.savez(work / "small.npz", x_train=xs, y_train=ys, x_test=xe, y_test=ye)
    np.savez(work / "tiny.npz", x_train=xs[:96], y_train=ys[:96], x_test=xe[:64],
             y_test=ye[:64])
    np.savez(work / "nolabels.npz", x=xs)
    return work / "teacher.h5", work / "small.npz"


def test_distillation_beats_training_alone(task, work):
    from tinydeploy.train.distill import distill_model
    teacher, data = task
    r = distill_model(teacher, data, work / "student.h5", student_arch="mlp",
                      knobs=dict(width=32, depth=1), epochs=20, seed=0, validation_split=0)
    alone, kd = r["alone"], r["distilled"]
    assert r["teacher"]["float_accuracy"] > 0.65
    assert kd["float_accuracy"] > alone["float_accuracy"] + MARGIN, r["summary"]
    assert kd["int8_accuracy"] > alone["int8_accuracy"] + MARGIN, r["summary"]
    assert r["teacher"]["logits"].endswith("without its softmax activation")
    assert "generated C" in kd["scored_by"]
    on_disk = json.loads((work / "student.report.json").read_text())
    assert on_disk["distilled"] == kd


def test_search_distill_knob_trains_from_the_teacher(task, work):
    """`tinydeploy search --teacher`: the space gains the knob distill, and a trial with
    distill=True learns from the teacher's logits (the same gap as distill_model's)."""
    from tinydeploy.search import run, space, trial
    teacher, data = task
    cfg = run.make_config(data=str(data), board="mps2-an386", outdir=str(work / "search"),
                          family="mlp", trials=2, epochs=20, teacher=str(teacher),
                          compress=False, workers=1, measure=0)
    asked = {}
    space.define(cfg, lambda name, choices: asked.setdefault(name, choices)[0])
    assert asked == {"width": [16, 32, 64, 128], "depth": [1, 2, 3], "distill": [False, True]}
    assert np.load(cfg.teacher_logits).shape == (240, 10)       # 300 less the 20 % split
    assert cfg.extra["teacher_accuracy"] > 0.65
    rows = {d: trial.run_trial(cfg, dict(width=32, depth=1, distill=d), i)
            for i, d in enumerate((False, True))}
    for r in rows.values():
        assert r["status"] == "complete" and r["trained_epochs"] == 20, r
    gain = rows[True]["accuracy_int8"] - rows[False]["accuracy_int8"]
    assert gain > MARGIN, (rows[True]["accuracy_int8"], rows[False]["accuracy_int8"])


def test_alpha_one_is_training_alone(task, work):
    """With alpha=1 the distilled run is the same training as the student alone."""
    from tinydeploy.train.distill import distill_model
    teacher, _ = task
    r = distill_model(teacher, work / "tiny.npz", work / "same.h5", student_arch="mlp",
                      knobs=dict(width=16), alpha=1.0, epochs=2, seed=3)
    assert r["distilled"]["float_accuracy"] == r["alone"]["float_accuracy"]
    assert r["distilled"]["int8_accuracy"] == r["alone"]["int8_accuracy"]


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "tinydeploy.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=600)


def test_cli_end_to_end(task, work):
    """Keras 3 student file, feature distillation with a projection, JSON; OUT converts."""
    import keras
    teacher, _ = task
    keras.utils.set_random_seed(0)
    s = keras.Sequential([keras.Input((16,)), keras.layers.Dense(8, activation="relu",
                                                                 name="feat"),
                          keras.layers.Dense(10), keras.layers.Softmax()])
    s.save(work / "student3.keras")
    out = work / "cli_student.keras"
    p = _cli("distill", teacher, "--data", work / "tiny.npz", "-o", out, "--student",
             work / "student3.keras", "--epochs", "2", "--feature", "hidden:feat", "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r == json.loads(out.with_name("cli_student.report.json").read_text())
    assert r["student"]["keras"] == "keras3" and r["student"]["params"] == s.count_params()
    assert r["student"]["logits"] == "input of the final Softmax layer"
    assert r["options"]["features"] == ["hidden:feat"]
    for run in ("alone", "distilled"):
        for k in ("float_accuracy", "int8_accuracy", "tflite_bytes", "arena_bytes"):
            assert r[run][k] is not None, (run, k)
    assert out.with_suffix(".tflite").stat().st_size == r["distilled"]["tflite_bytes"]
    c = _cli("convert", out, "--data", work / "tiny.npz", "-o", work / "again.tflite", "--json")
    assert c.returncode == 0, c.stderr
    assert json.loads(c.stdout)["int8_accuracy"] is not None
    p = _cli("distill", teacher, "--data", work / "tiny.npz", "-o", work / "t.h5",
             "--student-arch", "mlp", "--epochs", "1")
    assert p.returncode == 0 and "student distilled" in p.stdout, p.stderr
    assert "alone epoch 1/1" in p.stderr and "distilled epoch 1/1" in p.stderr


@pytest.mark.parametrize("args, message", [
    (["--student-arch", "vgg"], "unknown model family 'vgg'"),
    (["--student-arch", "mlp", "--knob", "height=3"], "family mlp has no knob 'height'"),
    (["--student-arch", "mlp", "--knob", "width=x"], "--knob width: 'x' is not a int"),
    (["--knob", "width=3"], "give --student-arch too"),
    ([], "exactly one of them"),
    (["--student-arch", "ds_cnn"], "family ds_cnn needs 2-D (H, W) or 3-D"),
    (["--student-arch", "mlp", "--alpha", "2"], "--alpha: invalid value 2.0"),
    (["--student-arch", "mlp", "--feature", "hidden"], "--feature takes"),
    (["--student-arch", "mlp", "--feature", "nope:dense"], "the teacher has no layer 'nope'"),
    (["--student", "S5"], "student output [5] does not match"),
    (["--student-arch", "mlp", "--data", "nolabels.npz"], "no labelled training data; distill"),
])
def test_refusals_in_one_line(task, work, args, message):
    import tf_keras as tfk
    if "S5" in args:
        m = tfk.Sequential([tfk.Input((16,)), tfk.layers.Dense(5, activation="softmax")])
        m.save(work / "s5.h5")
        args = ["--student", work / "s5.h5"]
    data = ["--data", work / args[-1]] if "--data" in args else ["--data", work / "tiny.npz"]
    args = [a for a in args if a not in ("--data", "nolabels.npz")]
    from click.testing import CliRunner

    from tinydeploy.cli import main
    p = CliRunner().invoke(main, ["distill", str(task[0]), *map(str, data), "-o",
                                  str(work / "bad.h5"), "--epochs", "1", *map(str, args)])
    assert p.exit_code == 1, p.output
    err = [ln for ln in p.stderr.splitlines() if not ln.startswith("... ")]
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], p.stderr


SHAPES = {"ds_cnn": (12, 10), "mobilenet_v1": (16, 16, 3), "resnet": (8, 8, 1),
          "conv1d": (32, 3), "mlp": (6, 4)}
OTHER = {"ds_cnn": dict(width=16, depth=2, first_kernel=5),
         "mobilenet_v1": dict(alpha=0.5, depth=5, stride=2),
         "resnet": dict(width=8, stages=3, blocks=2),
         "conv1d": dict(width=8, depth=3, kernel=3), "mlp": dict(width=16, depth=3)}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_families_build(name):
    from tinydeploy.train.families import FAMILIES, build
    fam = FAMILIES[name]
    assert set(fam.defaults) == set(fam.space) == set(OTHER[name])
    assert all(fam.defaults[k] in fam.space[k] for k in fam.space)
    x = np.random.default_rng(0).normal(size=(3, *SHAPES[name])).astype(np.float32)
    sizes = []
    for knobs in (None, OTHER[name]):
        m = build(name, SHAPES[name], 7, knobs)
        assert m.input_shape[1:] == SHAPES[name] and m.output_shape[1:] == (7,)
        y = m.predict(x, verbose=0)
        assert y.shape == (3, 7) and np.allclose(y.sum(axis=1), 1, atol=1e-5)
        sizes.append(m.count_params())
    assert sizes[0] != sizes[1]                       # the knobs change the model
    assert build(name, SHAPES[name], 1).output_shape[1:] == (1,)


def test_families_refuse_in_one_line():
    from tinydeploy.train.families import build
    for args, msg in ((("vgg", (8, 8), 3), "unknown model family 'vgg'"),
                      (("mlp", (8,), 3, {"height": 2}), "family mlp has no knob 'height'"),
                      (("mlp", (8,), 3, {"width": -1}), "knob width takes a positive int"),
                      (("resnet", (8,), 3), "family resnet needs 2-D"),
                      (("conv1d", (8, 8, 1), 3), "family conv1d needs 1-D")):
        with pytest.raises(TinyDeployError, match=None) as e:
            build(*args)
        assert msg in str(e.value) and "\n" not in str(e.value)
