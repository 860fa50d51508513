"""`tinydeploy build`: the firmware project for a board, compiled, with its size report
(deploy/build.py)."""
from __future__ import annotations

import json

import click

from .console import friendly, show
from .options import (
    board_option,
    compile_for,
    flash_budget_option,
    json_option,
    max_slowdown_option,
    model_argument,
    report_option,
    weights_option,
)
from .report import write_report


@click.command()
@model_argument
@board_option("Board name (see `tinydeploy boards`) or the path of a board .toml file.",
              required=True)
@click.option("-o", "--output", "output", type=click.Path(), default=None,
              help="Project directory (default td-build/MODEL-BOARD).")
@click.option("--benchmark-id", default=None,
              help="MLPerf Tiny model id the firmware reports (kws01, vww01, ic01, ad01); "
                   "selects that benchmark's input format. Default: the model's own name.")
@click.option("--energy-mode", is_flag=True,
              help="Build the EEMBC energy-mode harness: 9600 baud, timestamps as pulses on "
                   "the board's marker pin (for an energy monitor) instead of lap lines.")
@weights_option
@max_slowdown_option
@flash_budget_option
@json_option()
@report_option()
@friendly
def build(model, board, output, benchmark_id, energy_mode, weights, max_slowdown, flash_budget,
          as_json, report_path):
    """Generate the firmware project for a board, compile it, report flash and RAM."""
    from ..deploy.boards import load_board
    from ..deploy.build import build_firmware, describe_stack
    from ..deploy.fit import FitError
    from ..deploy.sizes import format_size_report
    from ..progress import reporter
    board = load_board(board)
    compiled = compile_for(model, weights, board, max_slowdown, as_json, flash_budget)
    try:
        r = build_firmware(compiled, board, output, benchmark_id, progress=reporter(as_json),
                           energy_mode=energy_mode)
    except FitError:
        if report_path:   # the report shows what does not fit, then the error as usual
            write_report([("tflite", compiled)], report_path, board, quiet=True)
        raise
    if report_path:
        write_report([("tflite", compiled), ("build", r)], report_path, board, quiet=as_json)
    if as_json:
        click.echo(json.dumps(r, indent=2))
        return
    lines = [f"project: {r['project']} ({r['built']})"]
    lines += [f"{key:<8} {r[key]}" for key in ("elf", "bin", "hex", "image") if r.get(key)]
    lines += [describe_stack(r["stack"])] if "stack" in r else []
    show("\n".join(lines + [format_size_report(r["size"], board)]))
