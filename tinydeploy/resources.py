"""Locate package data (templates/, firmware/, boards/) the same way from a checkout,
an editable install and a wheel (where setup.py copies them under tinydeploy/_data)."""
from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Path of a top-level data directory: 'templates', 'firmware' or 'boards'."""
    for candidate in (_HERE / "_data" / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"tinydeploy data directory '{name}' is missing from the install")
