"""Checks of the 2:4 weight encoding shared by test_fully_connected_nm_s8.py and
test_conv2d_nm_s8.py: "auto" stores 2:4-pruned layers nm (less flash, the dense bytes
recorded); forcing the policy "nm" on layers that are not 2:4 leaves them dense and
bit-exact (scalar and emulated DSP loops)."""
from __future__ import annotations

import pytest

from tinydeploy.compiler.lower import lower
from tinydeploy.compiler.reader import load_model

import zoo
from bitexact import check_bit_exact, flavours, kernels


def nm_tests(op: str, kernel: str, pruned: list[str], dense: list[str]) -> dict:
    """Tests for one nm kernel: `pruned` zoo models (2:4: auto picks it), `dense` ones
    (not 2:4: the forced policy "nm" keeps the dense kernels)."""

    @flavours
    @pytest.mark.parametrize("name", dense)
    def test_dense_layers_forced_nm_stay_dense_and_bit_exact(name, flags):
        assert kernel not in kernels(name, "nm")[op]
        check_bit_exact(name, flags, weights="nm")

    @pytest.mark.parametrize("name", pruned)
    def test_auto_stores_2_4_layers_nm_in_less_flash(name):
        g = load_model(zoo.tflite_path(name))
        auto, dense = lower(g, weights="auto"), lower(g, weights="dense")
        picked = [layer for layer in auto.layers if layer.op == op]
        assert picked and all(layer.kernel == kernel and layer.encoding == "nm"
                              for layer in picked)
        assert all(layer.const_bytes < layer.dense_const_bytes for layer in picked)
        assert sum(layer.const_bytes for layer in dense.layers if layer.op == op) == \
            sum(layer.dense_const_bytes for layer in picked)

    return {f.__name__: f for f in (test_dense_layers_forced_nm_stay_dense_and_bit_exact,
                                    test_auto_stores_2_4_layers_nm_in_less_flash)}
