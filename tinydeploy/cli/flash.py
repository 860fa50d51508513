"""`tinydeploy flash`: a build folder onto its board, or into QEMU (deploy/flash.py)."""
from __future__ import annotations

import json

import click

from .console import friendly, progress
from .options import board_option, json_option


@click.command()
@click.argument("build_dir", type=click.Path(file_okay=False), default=".", required=False)
@board_option("Board name (see `tinydeploy boards`) or the path of a board .toml file. "
              "Default: the board BUILD_DIR was generated for.")
@click.option("--port", "port", default=None,
              help="Serial port of a real board. Default: found by the board's USB VID:PID.")
@click.option("--runner", "runner", default=None,
              help="Flash runner instead of the board's default: bossac, arduino-cli, pio, "
                   "pyocd, openocd, st-flash, qemu.")
@click.option("-a", "--runner-arg", "runner_args", multiple=True,
              help="Extra argument for the runner, repeatable: e.g. -a --target=nrf52840 "
                   "(pyocd), -a interface/cmsis-dap.cfg -a target/nrf52.cfg (openocd).")
@click.option("--serial", "serial", type=click.Choice(["tcp", "pty"]), default="tcp",
              show_default=True,
              help="Emulated boards: QEMU's serial on a local TCP port (the firmware starts "
                   "when the first client connects) or on a pty.")
@click.option("--stop", "stop_", is_flag=True,
              help="Stop the QEMU started for BUILD_DIR (by its recorded pid) and exit.")
@json_option()
@friendly
def flash(build_dir, board, port, runner, runner_args, serial, stop_, as_json):
    """Flash BUILD_DIR (written by `tinydeploy build`; default .) onto its board, or start it
    in QEMU for an emulated board and print the serial URL to use."""
    from ..deploy.flash import flash as run_flash
    from ..deploy.flash import stop
    if stop_:
        r = stop(build_dir)
        click.echo(json.dumps(r, indent=2) if as_json else r["message"])
        return
    r = run_flash(build_dir, board, port=port, runner=runner, serial=serial,
                  extra=runner_args, progress=None if as_json else progress)
    if as_json:
        click.echo(json.dumps(r, indent=2))
    elif r["emulated"]:
        click.echo(f"QEMU is running {r['board']} (pid {r['pid']}); serial: {r['url']}")
        click.echo(f"{r['note']}; stop it with: tinydeploy flash {r['build_dir']} --stop")
        if r["cycle_log"]:
            click.echo(f"estimated cycles: tinydeploy profile --port {r['url']} "
                       f"--cycle-log {r['cycle_log']}")
    else:
        click.echo(f"flashed {r['board']} with {r['runner']}"
                   + (f" on {r['port']}" if r["port"] else ""))
