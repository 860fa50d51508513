"""`tinydeploy search`: the design-space search's options and a thin call into search/run.py."""
from __future__ import annotations

import json
import os

import click

from .console import friendly, show
from .options import board_option, json_option, report_option
from .report import write_report


def _calibrate_default(given, board) -> int:
    if given is not None:
        return given
    from ..deploy.boards import load_board
    return 3 if load_board(board).emulated else 0


@click.command()
@click.option("--family", default=None, help="Model family (train/families.py): ds_cnn, "
              "mobilenet_v1, resnet, conv1d, mlp.")
@click.option("--builder", default=None, help="module:function (or file.py:function) called "
              "with a trial: trial.suggest(name, choices), trial.input_shape, trial.classes; "
              "returns a tf_keras model.")
@click.option("--data", required=True, help=".npz (x_train/y_train or x/y, optional x_val/y_val, "
              "x_test/y_test) or module:function returning arrays.")
@board_option("Board name or .toml: its RAM/flash are the default limits.", required=True)
@click.option("--trials", default=12, show_default=True, type=click.IntRange(1))
@click.option("--epochs", default=3, show_default=True, type=click.IntRange(1))
@click.option("--objective", type=click.Choice(["accuracy", "pareto"]), default="accuracy",
              show_default=True)
@click.option("--max-ram", type=click.IntRange(1), default=None,
              help="Bytes (default: the board's RAM).")
@click.option("--max-flash", type=click.IntRange(1), default=None,
              help="Bytes (default: the board's flash).")
@click.option("--max-latency", type=click.FloatRange(0, min_open=True), default=None,
              help="Instructions per inference (the cost model's estimate).")
@click.option("--ray", "ray", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
              help="Run on Ray Tune (a local instance, or the cluster at ADDRESS).")
@click.option("--workers", default=None, type=click.IntRange(1),
              help="Trials in parallel (default: one per core).")
@click.option("--compress/--no-compress", default=True, show_default=True,
              help="Search the compression knobs too (prune, M:N, clusters, QAT).")
@click.option("--teacher", default=None, type=click.Path(dir_okay=True),
              help="A trained classifier (.keras/.h5) on this data: adds the knob distill "
                   "(train from its logits, as tinydeploy distill does).")
@click.option("--calibrate", default=None, type=click.IntRange(0),
              help="Models of the space (untrained) run in QEMU before the trials to "
                   "calibrate the cost model to this space [default: 3 on an emulated "
                   "board, else 0: the shipped cost model].")
@click.option("--measure", default=2, show_default=True, type=click.IntRange(0),
              help="Trials (the best, then the Pareto front) run in QEMU on an emulated "
                   "board to check the cost model's instruction counts; 0: none.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("-o", "--output", "outdir", default="td-search", show_default=True,
              type=click.Path(file_okay=False), help="Results, best model and the study (resumable).")
@json_option("Print the search report as JSON.")
@report_option("Also write the HTML report (trials table, Pareto plot, the best model) here, "
               "and its data as PATH.json: see `tinydeploy report`.")
@friendly
def search(family, builder, data, board, trials, epochs, objective, max_ram, max_flash, max_latency,
           ray, workers, compress, teacher, calibrate, measure, seed, outdir, as_json,
           report_path):
    """Search model knobs and compression (prune, M:N, clusters, QAT, distillation) for the
    best int8 model that fits the board; trials that cannot fit are pruned before
    training. Interrupted? Run the same command again: it resumes from OUTDIR."""
    from ..progress import reporter
    from ..search.run import format_report, make_config, run_search
    cfg = make_config(data=data, board=board, outdir=os.path.abspath(outdir), family=family,
                      builder=builder, trials=trials, epochs=epochs,
                      objective=objective, max_ram=max_ram, max_flash=max_flash,
                      max_latency=max_latency, seed=seed, compress=compress,
                      teacher=teacher, measure=measure,
                      calibrate=_calibrate_default(calibrate, board),
                      workers=workers or os.cpu_count() or 1)
    r = run_search(cfg, "ray" if ray else "local", None if ray in (None, "local") else ray,
                   progress=reporter(as_json))
    if as_json:
        click.echo(json.dumps(r, indent=2, default=str))
    else:
        show(format_report(r))
    if report_path:
        write_report([("search", json.loads(json.dumps(r, default=str)))], report_path,
                     quiet=as_json)
