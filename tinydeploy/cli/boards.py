"""`tinydeploy boards`: the shipped boards as a table or JSON (deploy/boards.py)."""
from __future__ import annotations

import json

import click

from .console import friendly
from .options import json_option


@click.command()
@json_option("Print the boards as JSON.")
@friendly
def boards(as_json):
    """List the supported boards: core, clock, flash, RAM, framework, emulated or real."""
    from ..deploy.boards import list_boards
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
