"""Bit-exactness of td_add_s8: the table fast path without broadcast (flat, tails of 1-3
elements) and with broadcast (merged dimensions, inner runs). Each zoo model of the stem
(tests/bitexact.py) against its oracle, with the scalar loops and with the packed loops of
the DSP cores emulated on the host."""
import pytest

from tinydeploy.compiler.compiled import compile_model

import zoo
from bitexact import models, stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("add_s8", choice=("ADD", "td_add_s8")))


@pytest.mark.parametrize("name", models("add_s8"))
def test_every_add_takes_the_table_path(name):
    adds = [la for la in compile_model(zoo.tflite_path(name)).program.layers if la.op == "ADD"]
    assert adds and all(la.params.lut is not None for la in adds)
