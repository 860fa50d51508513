"""Options several commands share, as decorators: each command states its own help where
its meaning differs (what --json prints, what --board is for)."""
from __future__ import annotations

import click

from ..compiler.program import WEIGHT_POLICIES

model_argument = click.argument("model", type=click.Path())

weights_option = click.option(
    "--weights", "weights", type=click.Choice(WEIGHT_POLICIES), default="auto", show_default=True,
    help="How layer weights are stored: auto = compressed where the weights were pruned or "
         "clustered and that saves flash; dense = as in the .tflite; a name forces that "
         "encoding on every layer it applies to. Outputs are bit-exact either way.")


max_slowdown_option = click.option(
    "--max-slowdown", "max_slowdown", type=float, default=None, metavar="FACTOR",
    help="Keep a layer dense where its compressed weights would cost more than FACTOR times "
         "its dense instructions on the board's core (the cost model's estimate; e.g. 1.1). "
         "Default: compress wherever it saves flash.")


def compile_for(model, weights: str, board, max_slowdown: float | None, quiet: bool):
    """The model compiled with `weights`, bounded by --max-slowdown on the board's core
    (deploy/slowdown.py); which layers stayed dense is said on stderr unless `quiet`."""
    from ..compiler.compiled import compile_model
    compiled = compile_model(model, weights=weights)
    if max_slowdown is None:
        return compiled
    from ..deploy.slowdown import limit_slowdown
    compiled, slow = limit_slowdown(compiled, board.core, max_slowdown)
    if slow and not quiet:
        click.echo(f"--max-slowdown {max_slowdown:g}: layer{'s' if len(slow) > 1 else ''} "
                   f"{', '.join(map(str, slow))} kept dense (estimated over {max_slowdown:g}x "
                   f"their dense instructions on {board.core})", err=True)
    return compiled


def json_option(help: str = "Print the report as JSON."):
    return click.option("--json", "as_json", is_flag=True, help=help)


def board_option(help: str, required: bool = False):
    return click.option("--board", "board", required=required, default=None, help=help)


def report_option(help: str = "Also write the HTML report here (and its data as PATH.json "
                              "beside it): see `tinydeploy report`."):
    return click.option("--report", "report_path", type=click.Path(dir_okay=False),
                        default=None, help=help)


def profile_options(fn):
    """What `profile` and `run` ask of the device: inputs, runs, warm-up, limit, PPK2, --json."""
    opts = [
        click.option("--inputs", type=click.Path(), default=None,
                     help="Inputs to check on the device: .npy/.npz (x, optional y) or a "
                          "directory of .bin files with an MLPerf Tiny y_labels.csv."),
        click.option("--runs", default=10, show_default=True,
                     type=click.IntRange(1, 1_000_000),
                     help="Timed inferences (sent in chunks of 100, so the device keeps "
                          "answering)."),
        click.option("--warmup", default=1, show_default=True, type=click.IntRange(0, 100),
                     help="Untimed warm-up runs."),
        click.option("--limit", type=click.IntRange(min=1), default=None,
                     help="Check at most this many inputs."),
        click.option("--ppk2", default=None, help="Serial port of a Nordic PPK2: measure "
                     "energy instead of estimating it."),
        json_option("Print the report as JSON (schema: docs/schema/profile.schema.json)."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn
