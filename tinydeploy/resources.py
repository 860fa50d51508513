"""Locate package data (templates/, firmware/, boards/) the same way from a checkout,
an editable install and a wheel (where setup.py copies them under tinydeploy/_data), and
the one Jinja environment that renders templates/."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

_HERE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Path of a top-level data directory: 'templates', 'firmware' or 'boards'."""
    for candidate in (_HERE / "_data" / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"tinydeploy data directory '{name}' is missing from the install")


@lru_cache(maxsize=1)
def template_env() -> Environment:
    """The one Jinja environment for templates/: StrictUndefined (a missing value is an
    error, not an empty string), trailing newlines kept, block tags trimmed."""
    return Environment(loader=FileSystemLoader(str(data_dir("templates"))),
                       undefined=StrictUndefined, keep_trailing_newline=True,
                       trim_blocks=True, lstrip_blocks=True)
