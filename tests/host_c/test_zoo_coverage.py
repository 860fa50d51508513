"""Every zoo model is checked for bit-exactness by exactly one per-kernel test file."""
from pathlib import Path

import pytest

import zoo
from bitexact import DOCUMENTED_EXCEPTIONS, SANITIZED, STEMS

pytestmark = pytest.mark.unit
HERE = Path(__file__).resolve().parent


def test_every_zoo_model_belongs_to_one_kernel_stem():
    claimed = [n for names in STEMS.values() for n in names]
    assert sorted(claimed) == sorted(zoo.MODELS)
    assert set(SANITIZED) | set(DOCUMENTED_EXCEPTIONS) <= set(claimed)


def test_every_kernel_stem_has_its_test_file():
    for stem in STEMS:
        assert (HERE / f"test_{stem}.py").is_file(), stem
