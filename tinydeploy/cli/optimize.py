"""`tinydeploy optimize`: factorize, prune, cluster, QAT and convert (train/optimize.py)."""
from __future__ import annotations

import click

from ..errors import TinyDeployError
from .console import emit, friendly, progress
from .options import json_option, model_argument, report_option
from .report import write_report


class _RankOrEnergy(click.ParamType):
    """--factorize: an integer RANK or a float ENERGY in (0, 1); a bad value is a usage error."""
    name = "RANK|ENERGY"

    def convert(self, value, param, ctx):
        from ..train.factorize import RANK_OR_ENERGY, parse_factorize
        try:
            return parse_factorize(value)
        except TinyDeployError:  # Click names the option itself
            self.fail(f"{value!r} is not {RANK_OR_ENERGY}", param, ctx)


@click.command()
@model_argument
@click.option("--data", "data", required=True,
              help="Training data: .npz (x_train/y_train, optional x_val/y_val and "
                   "x_test/y_test; or x/y) or a Python module:function (or file.py:function) "
                   "returning (x, y) arrays, a dict of arrays or a tf.data.Dataset.")
@click.option("-o", "--output", "output", required=True, type=click.Path(),
              help="Optimized Keras model: .h5 (.keras only without --qat). The int8 .tflite "
                   "and the JSON report are written beside it (NAME.tflite, NAME.report.json).")
@click.option("--factorize", type=_RankOrEnergy(), default=None,
              help="Low-rank factorization first: Dense and 1x1 Conv2D layers become two "
                   "thinner ones by truncated SVD, then fine-tuned. An integer is the rank "
                   "kept in every layer (e.g. 8); a fraction in (0, 1) keeps per layer that "
                   "share of the squared singular values (e.g. 0.9). Layers where it saves "
                   "no parameters are kept.")
@click.option("--prune", type=float, default=None, metavar="SPARSITY",
              help="Magnitude pruning to this fraction of zero weights (e.g. 0.5), polynomial "
                   "schedule over the first 70% of the steps, then stripped.")
@click.option("--prune-structure", default=None, metavar="M:N",
              help="Structured pruning instead: at most M non-zero weights in every N "
                   "consecutive ones along the input channels (e.g. 2:4).")
@click.option("--cluster", type=int, default=None, metavar="N",
              help="Weight clustering to N values per layer (sparsity-preserving after pruning).")
@click.option("--qat", is_flag=True,
              help="Quantization-aware training; pruning-/cluster-preserving (PQAT, CQAT, "
                   "PCQAT) when combined with --prune/--prune-structure/--cluster.")
@click.option("--epochs", default=4, show_default=True, type=click.IntRange(min=1),
              help="Training epochs per stage.")
@click.option("--batch-size", default=32, show_default=True, type=click.IntRange(min=1),
              help="Training batch size.")
@click.option("--learning-rate", default=1e-3, show_default=True,
              help="Adam learning rate for every stage.")
@click.option("--validation-split", default=0.1, show_default=True,
              help="Seeded fraction of the training data held out for validation when the "
                   "data has no x_val/y_val.")
@click.option("--seed", default=0, show_default=True,
              help="Seed for weights, shuffling, splits and calibration samples.")
@click.option("--loss", default=None,
              help="Keras loss name. Default: the model's compile state, else inferred from "
                   "the labels and the output layer.")
@click.option("--metrics", default=None,
              help="Comma-separated Keras metrics shown per epoch (default: the compile "
                   "state, else accuracy for classification, mae otherwise).")
@click.option("--skip-unsupported", is_flag=True,
              help="Optimize around layers tfmot cannot prune/cluster/quantize instead of "
                   "stopping; the report says what that means for the int8 model.")
@click.option("--no-baseline", is_flag=True,
              help="Skip converting the original model without optimization (the PTQ row "
                   "the optimized model is compared with).")
@click.option("--samples", default=200, show_default=True, type=click.IntRange(min=1),
              help="Calibration samples, when conversion needs them.")
@json_option()
@report_option()
@friendly
def optimize(model, data, output, factorize, prune, prune_structure, cluster, qat, epochs,
             batch_size, learning_rate, validation_split, seed, loss, metrics, skip_unsupported,
             no_baseline, samples, as_json, report_path):
    """Factorize, prune, cluster and/or quantization-aware train a Keras model, convert it to
    int8 and report what each stage bought (accuracy, params, MACs, sparsity, size, arena,
    flash)."""
    from ..train.optimize import format_optimize_report, optimize_model
    report = optimize_model(
        model, data, output, factorize=factorize, prune=prune, prune_structure=prune_structure,
        qat=qat, cluster=cluster, epochs=epochs, batch_size=batch_size,
        learning_rate=learning_rate, validation_split=validation_split, seed=seed, loss=loss,
        metrics=[m.strip() for m in metrics.split(",") if m.strip()] if metrics else None,
        skip_unsupported=skip_unsupported, baseline=not no_baseline, samples=samples,
        progress=None if as_json else progress)
    emit(report, as_json, format_optimize_report)
    if report_path:
        write_report([("optimize", report)], report_path, quiet=as_json)
