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


class ByteCount(click.ParamType):
    """A byte count: 40000, 48K, 1M (K and M are 1024 and 1024^2)."""
    name = "BYTES"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B")
        scale = {"K": 1024, "M": 1024 * 1024}.get(text[-1:], 1)
        try:
            n = int(text[:-1] if scale > 1 else text) * scale
        except ValueError:
            n = -1
        if n <= 0:
            self.fail(f"{value!r} is not a positive byte count (e.g. 40000, 48K, 1M)", param, ctx)
        return n


flash_budget_option = click.option(
    "--flash-budget", "flash_budget", type=ByteCount(), default=None,
    help="Flash the model's constants (weights and per-channel tables) may take: layers "
         "whose compression is not needed to stay within it are stored dense, those the cost "
         "model estimates slowest compressed first. Default: compress wherever it saves "
         "flash.")


def compile_for(model, weights: str, board, max_slowdown: float | None, quiet: bool,
                flash_budget: int | None = None):
    """The model compiled with `weights`, bounded by --max-slowdown on the board's core and
    by --flash-budget (deploy/slowdown.py); which layers stayed dense is said on stderr
    unless `quiet`."""
    from ..compiler.compiled import compile_model
    compiled = compile_model(model, weights=weights)
    if max_slowdown is not None:
        from ..deploy.slowdown import limit_slowdown
        compiled, slow = limit_slowdown(compiled, board.core, max_slowdown)
        _say_dense(slow, quiet, f"--max-slowdown {max_slowdown:g}",
                   f"estimated over {max_slowdown:g}x their dense instructions on {board.core}")
    if flash_budget is not None:
        from ..deploy.slowdown import fit_flash_budget
        compiled, kept = fit_flash_budget(compiled, board.core if board else None, flash_budget)
        _say_dense(kept, quiet, f"--flash-budget {flash_budget:,}",
                   f"the model's constants take {compiled.program.const_bytes:,} B")
    return compiled


def _say_dense(layers: list[int], quiet: bool, option: str, why: str) -> None:
    if layers and not quiet:
        click.echo(f"{option}: layer{'s' if len(layers) > 1 else ''} "
                   f"{', '.join(map(str, layers))} kept dense ({why})", err=True)


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
