"""The `tinydeploy` command line: a thin Click layer over the library."""
from __future__ import annotations

import functools
import json
import sys

import click

from . import __version__
from .errors import TinyDeployError


def _friendly(fn):
    """Turn library errors into one line on stderr and a non-zero exit, never a traceback."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TinyDeployError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
    return wrapper


def _progress(msg: str) -> None:
    click.echo(f"... {msg}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tinydeploy")
def main():
    """tinydeploy: Keras model to planned, bit-exact C on Cortex-M, offline."""


@main.command()
@click.argument("model", type=click.Path())
@click.option("--data", "data", required=True, type=click.Path(),
              help="Calibration data: .npz (x / x_train, optional labels) or .npy.")
@click.option("-o", "--output", "output", required=True, type=click.Path(),
              help="Where to write the int8 .tflite.")
@click.option("--samples", default=200, show_default=True,
              help="Representative samples used for calibration.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_friendly
def convert(model, data, output, samples, as_json):
    """Convert a Keras model (.keras, .h5, SavedModel dir) to a fully int8 .tflite."""
    from .convert import convert_model, format_report
    report = convert_model(model, data, output, samples=samples,
                           progress=None if as_json else _progress)
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


@main.command()
@click.argument("model", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_friendly
def inspect(model, as_json):
    """Per-layer ops, shapes, MACs and weights; totals; planned arena bytes."""
    from .inspection import format_inspect, inspect_model
    report = inspect_model(model)
    click.echo(json.dumps(report, indent=2) if as_json else format_inspect(report))


@main.command()
@click.argument("model", type=click.Path())
@click.option("--inputs", "inputs", required=True, type=click.Path(),
              help="Inputs, batch first: .npy or .npz (x). int8 arrays are used as they are; "
                   "real-valued arrays are quantized with the model's input parameters.")
@click.option("--labels", "labels", type=click.Path(), default=None,
              help="Class ids or one-hot labels (.npy) for top-1 accuracy.")
@click.option("-o", "--output", "output", type=click.Path(), default=None,
              help="Write the int8 outputs here (.npy).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@_friendly
def predict(model, inputs, labels, output, as_json):
    """Run the generated C, compiled for this host, on every input (exact device arithmetic)."""
    from .predict import predict as run_predict
    r = run_predict(model, inputs, labels, output)
    summary = {k: v for k, v in r.items() if k != "outputs"}
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"ran {r['count']} inputs ({r['inputs']}) through the generated C on the host")
    if r["accuracy"] is not None:
        click.echo(f"top-1 accuracy: {r['accuracy'] * 100:.2f}%")
    if r["output"]:
        click.echo(f"int8 outputs written to {r['output']}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the boards as JSON.")
@_friendly
def boards(as_json):
    """List the supported boards: core, clock, flash, RAM, framework, emulated or real."""
    from .boards import list_boards
    rows = [dict(name=b.name, core=b.core, fpu=b.fpu, clock_mhz=b.clock_hz / 1e6,
                 flash_bytes=b.flash.size, ram_bytes=b.ram.size, framework=b.framework,
                 emulated=b.emulated, mcu=b.mcu, description=b.description)
            for b in list_boards()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'board':<15}{'core':<12}{'MHz':>5}{'flash':>10}{'RAM':>9}  {'framework':<10}kind")
    for r in rows:
        click.echo(f"{r['name']:<15}{r['core'] + ('F' if r['fpu'] else ''):<12}"
                   f"{r['clock_mhz']:>5g}{r['flash_bytes'] // 1024:>8} K{r['ram_bytes'] // 1024:>7} K"
                   f"  {r['framework']:<10}{'emulated (QEMU)' if r['emulated'] else 'real'}")


@main.command()
@click.argument("model", type=click.Path())
@click.option("--board", "board", required=True, help="Board name (see `tinydeploy boards`) "
              "or the path of a board .toml file.")
@click.option("-o", "--output", "output", type=click.Path(), default=None,
              help="Project directory (default td-build/MODEL-BOARD).")
@click.option("--benchmark-id", default=None,
              help="MLPerf Tiny model id the firmware reports (kws01, vww01, ic01, ad01); "
                   "selects that benchmark's input format. Default: the model's own name.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_friendly
def build(model, board, output, benchmark_id, as_json):
    """Generate the firmware project for a board, compile it, report flash and RAM."""
    from .boards import load_board
    from .build import build_firmware
    from .sizes import format_size_report
    r = build_firmware(model, board, output, benchmark_id,
                       progress=None if as_json else _progress)
    if as_json:
        click.echo(json.dumps(r, indent=2))
        return
    click.echo(f"project: {r['project']} ({r['built']})")
    for key in ("elf", "bin", "hex", "image"):
        if r.get(key):
            click.echo(f"{key:<8} {r[key]}")
    click.echo(format_size_report(r["size"], load_board(board)))


if __name__ == "__main__":
    main()
