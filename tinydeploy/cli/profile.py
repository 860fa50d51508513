"""`tinydeploy profile`: measure a running device over its serial port (measure/profile.py).
`emit_profile` prints a profile (or a run's) the same way for `run`."""
from __future__ import annotations

import json
import sys

import click

from ..errors import printable
from .console import friendly, show
from .options import board_option, profile_options


def has_results(prof: dict) -> bool:
    """Whether an incomplete profile gathered anything worth showing."""
    return bool(prof.get("latency") or prof.get("per_layer") or prof.get("validation")
                or prof.get("energy"))


def emit_profile(report: dict, as_json: bool, extra: str = "") -> None:
    """Print the profile (JSON or text, `extra` first); exit 1 after it when it is partial."""
    from ..measure.profile import format_profile
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        if extra:
            show(extra)
        show(format_profile(report["profile"] if "profile" in report else report))
    prof = report.get("profile", report)
    if not prof["complete"]:
        partial = " (partial results above)" if has_results(prof) else ""
        click.echo(f"error: {printable(prof['error'])}{partial}", err=True)
        sys.exit(1)


@click.command()
@click.option("--port", "port", required=True,
              help="Serial device (/dev/ttyACM0) or pyserial URL (socket://127.0.0.1:PORT).")
@board_option("Board name, for the energy estimate.")
@click.option("--validate", "validate", type=click.Path(), default=None,
              help="The .tflite the device runs: check its outputs against the host build.")
@click.option("--baud", default=115200, show_default=True, type=click.IntRange(min=1))
@click.option("--cycle-log", "cycle_log", type=click.Path(exists=True, dir_okay=False),
              default=None, help="Emulated boards: the cycle model's log of the QEMU that "
              "`tinydeploy flash` started (it prints the path): adds estimated cycles.")
@profile_options
@friendly
def profile(port, board, validate, baud, cycle_log, inputs, runs, warmup, limit, ppk2,
            as_json):
    """Measure a device over the serial port: latency, per-layer cost, output check, energy."""
    from ..compiler.compiled import compile_model
    from ..deploy.boards import load_board
    from ..measure.profile import profile_device
    from ..progress import reporter
    r = profile_device(port, board=load_board(board) if board else None, inputs=inputs,
                       runs=runs, warmup=warmup,
                       validate=compile_model(validate) if validate else None, ppk2=ppk2,
                       baudrate=baud, limit=limit, progress=reporter(as_json),
                       cycle_log=cycle_log)
    emit_profile(r, as_json)
