"""What every command prints and how it fails: library errors become one line on stderr and
an exit code (`friendly`), progress and reports are printed terminal-safe."""
from __future__ import annotations

import functools
import json
import sys

import click

from ..errors import TinyDeployError, printable


def friendly(fn):
    """Turn library errors into one line on stderr and a non-zero exit, never a traceback.
    Messages may quote names from a model file or a device: printable() keeps them to one
    terminal-safe line."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TinyDeployError as exc:
            click.echo(f"error: {printable(exc)}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
    return wrapper


def progress(msg: str) -> None:
    """One progress line on stderr."""
    click.echo(f"... {printable(msg)}", err=True)


def show(text: str) -> None:
    """Print a human-readable report: each line terminal-safe (tensor and layer names come
    from the model file, device names and errors from the device)."""
    click.echo("\n".join(printable(line) for line in text.split("\n")))


def emit(report: dict, as_json: bool, text) -> None:
    """The report as JSON, or text(report) for people."""
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        show(text(report))
