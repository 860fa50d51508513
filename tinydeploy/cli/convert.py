"""`tinydeploy convert`: Keras model to a fully int8 .tflite (train/convert.py)."""
from __future__ import annotations

import click

from .console import emit, friendly, progress
from .options import json_option, model_argument


@click.command()
@model_argument
@click.option("--data", "data", required=True, type=click.Path(),
              help="Calibration data: .npz (x / x_train, optional labels) or .npy.")
@click.option("-o", "--output", "output", required=True, type=click.Path(),
              help="Where to write the int8 .tflite.")
@click.option("--samples", default=200, show_default=True, type=click.IntRange(min=1),
              help="Representative samples used for calibration.")
@json_option()
@friendly
def convert(model, data, output, samples, as_json):
    """Convert a Keras model (.keras, .h5, SavedModel dir) to a fully int8 .tflite."""
    from ..train.convert import convert_model, format_report
    report = convert_model(model, data, output, samples=samples,
                           progress=None if as_json else progress)
    emit(report, as_json, format_report)
