"""The `tinydeploy` command line: a thin Click layer over the library.

One module per command (each defines one Click command and imports its library only when it
runs); options several commands share are in options.py, error handling and printing in
console.py. This module builds the group from COMMANDS, the one place a command is added.
"""
from __future__ import annotations

import click

from .. import __version__
from .boards import boards
from .build import build
from .convert import convert
from .distill import distill
from .export import export
from .flash import flash
from .inspect import inspect
from .optimize import optimize
from .predict import predict
from .profile import profile
from .report import report
from .run import run
from .search import search

COMMANDS = [optimize, convert, distill, search, inspect, predict, boards, build, export, flash,
            profile, run, report]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tinydeploy")
def main():
    """tinydeploy: Keras model to planned, bit-exact C on Cortex-M, offline."""


for _command in COMMANDS:
    main.add_command(_command)
