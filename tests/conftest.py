"""Shared fixtures. Test helpers (tflite_builder, zoo, oracle) live beside this file."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_addoption(parser):
    parser.addoption("--port", default=None, help="serial port of a real board (hw tests)")
    parser.addoption("--model", default=None, help="the .tflite the real board runs (hw tests)")
    parser.addoption("--board", default=None, help="the real board's name (hw tests)")


@pytest.fixture
def fc_model(tmp_path) -> Path:
    from tflite_builder import fc_softmax_model
    p = tmp_path / "fc.tflite"
    p.write_bytes(fc_softmax_model())
    return p
