"""`tinydeploy report`: one HTML page (and its JSON) from artefacts (report/). `write_report`
is what `--report` of build, run, optimize and search calls with what they already hold."""
from __future__ import annotations

import click

from .console import friendly
from .options import board_option


def write_report(items, path, board=None, quiet=False) -> None:
    """make_report(items, path, board); says where it wrote (on stderr when `quiet`)."""
    from ..report import make_report
    r = make_report(items, path, board)
    click.echo(f"report: {r['html']} (data: {r['json']})", err=quiet)


@click.command()
@click.argument("artefacts", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="The HTML file to write; the same data goes to its .json beside it.")
@board_option("Board name or .toml: show the fit against it (default: the board a build/run "
              "report or build folder names).")
@friendly
def report(artefacts, output, board):
    """One self-contained HTML page from ARTEFACTS: a .tflite, build folders and the JSON of
    inspect, predict, convert, build, run, profile, optimize (NAME.report.json) or search
    (OUTDIR/search.json)."""
    write_report(list(artefacts), output, board)
