"""`tinydeploy run`: build, flash (or boot in QEMU) and profile one model on one board
(measure/run.py)."""
from __future__ import annotations

import click

from .console import friendly
from .options import (
    board_option,
    compile_for,
    flash_budget_option,
    max_slowdown_option,
    model_argument,
    profile_options,
    report_option,
    weights_option,
)
from .profile import emit_profile
from .report import write_report


@click.command()
@model_argument
@board_option("Board name (see `tinydeploy boards`).", required=True)
@click.option("-o", "--output", "output", type=click.Path(), default=None,
              help="Project directory (default td-build/MODEL-BOARD).")
@click.option("--benchmark-id", default=None, help="MLPerf Tiny id (kws01, vww01, ic01, ad01).")
@click.option("--port", default=None, help="Serial port of a real board (default: found by "
              "the board's USB VID:PID).")
@click.option("--runner", default=None, help="Override the board's flash runner.")
@weights_option
@max_slowdown_option
@flash_budget_option
@profile_options
@report_option()
@friendly
def run(model, board, output, benchmark_id, port, runner, weights, max_slowdown, flash_budget,
        inputs, runs, warmup, limit, ppk2, as_json, report_path):
    """Build, flash (or boot in QEMU) and profile in one command."""
    from ..deploy.boards import load_board
    from ..deploy.sizes import format_size_report
    from ..measure.run import run_pipeline
    from ..progress import reporter
    board = load_board(board)
    compiled = compile_for(model, weights, board, max_slowdown, as_json, flash_budget)
    r = run_pipeline(compiled, board, out_dir=output, benchmark_id=benchmark_id, inputs=inputs,
                     runs=runs, warmup=warmup, port=port, runner=runner, ppk2=ppk2,
                     limit=limit, progress=reporter(as_json))
    size = "" if as_json else format_size_report(r["build"]["size"], board)
    if report_path:
        write_report([("tflite", compiled), ("run", r)], report_path, board, quiet=as_json)
    emit_profile(r, as_json, size)
