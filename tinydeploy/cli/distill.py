"""`tinydeploy distill`: train a small student from a teacher (train/distill.py)."""
from __future__ import annotations

import click

from ..errors import TinyDeployError
from .console import emit, friendly
from .options import json_option


@click.command()
@click.argument("teacher", type=click.Path())
@click.option("--data", "data", required=True,
              help="Labelled training data, as for optimize: .npz (x_train/y_train, optional "
                   "x_val/y_val and x_test/y_test; or x/y) or module:function.")
@click.option("-o", "--output", "output", required=True, type=click.Path(),
              help="The distilled student: .h5 or .keras (optimize/convert take it). Its int8 "
                   ".tflite and NAME.report.json are written beside it.")
@click.option("--student", default=None, type=click.Path(),
              help="The student model to train (.keras/.h5, Keras 3 or tf_keras).")
@click.option("--student-arch", default=None, metavar="FAMILY",
              help="Or build the student from a family: ds_cnn, mobilenet_v1, resnet, conv1d, "
                   "mlp.")
@click.option("--knob", "knobs", multiple=True, metavar="KNOB=VALUE",
              help="A knob of --student-arch (repeatable), e.g. --knob width=16.")
@click.option("--temperature", default=4.0, show_default=True, help="Softmax temperature T.")
@click.option("--alpha", default=0.1, show_default=True,
              help="Weight of the label loss; 1 - alpha goes to the teacher's soft labels.")
@click.option("--standardize/--no-standardize", default=True, show_default=True,
              help="Standardize both models' logits per sample before the softened softmax "
                   "(Sun et al. 2024): the student matches the teacher's logit shape, not its "
                   "scale. --no-standardize: the classic loss of Hinton et al.")
@click.option("--feature", "features", multiple=True, metavar="LAYER_T:LAYER_S",
              help="Also match this teacher layer's output with this student layer's "
                   "(MSE, 1x1 projection when the widths differ); repeatable.")
@click.option("--epochs", default=10, show_default=True, type=click.IntRange(min=1),
              help="Epochs, for the student alone and for the distilled student.")
@click.option("--batch-size", default=32, show_default=True, type=click.IntRange(min=1))
@click.option("--learning-rate", default=1e-3, show_default=True, help="Adam learning rate.")
@click.option("--validation-split", default=0.1, show_default=True,
              help="Seeded fraction held out when the data has no x_val/y_val.")
@click.option("--seed", default=0, show_default=True,
              help="Seed for the student's weights, shuffling, splits and calibration.")
@click.option("--samples", default=200, show_default=True, type=click.IntRange(min=1),
              help="Calibration samples for the int8 conversions.")
@json_option()
@friendly
def distill(teacher, data, output, student, student_arch, knobs, temperature, alpha,
            standardize, features, epochs, batch_size, learning_rate, validation_split, seed,
            samples, as_json):
    """Train a small student from TEACHER (knowledge distillation) and report teacher, student
    alone and distilled student accuracy, float and int8 (generated C), and sizes."""
    from ..progress import reporter
    from ..train.distill import distill_model, format_distill_report
    if knobs and student_arch is None:
        raise TinyDeployError("--knob sets knobs of --student-arch; give --student-arch too")
    parsed = None
    if student_arch is not None:
        from ..train.families import parse_knobs
        parsed = parse_knobs(student_arch, knobs)
    report = distill_model(teacher, data, output, student=student, student_arch=student_arch,
                           knobs=parsed, temperature=temperature, alpha=alpha, epochs=epochs,
                           batch_size=batch_size, learning_rate=learning_rate,
                           validation_split=validation_split, seed=seed, features=features,
                           samples=samples, standardize=standardize,
                           progress=reporter(as_json))
    emit(report, as_json, format_distill_report)
