"""Checks of the sparse weight encoding shared by test_fully_connected_sparse_s8.py and
test_conv2d_sparse_s8.py: dense zoo models forced sparse stay bit-exact (scalar and
emulated DSP loops), and "auto" stores pruned layers sparse (less flash) but leaves
dense layers dense."""
from __future__ import annotations

import pytest

from tinydeploy.compiler.lower import lower
from tinydeploy.compiler.reader import load_model

import zoo
from bitexact import check_bit_exact, flavours, kernels


def sparse_tests(op: str, kernel: str, pruned: list[str], dense: list[str]) -> dict:
    """Tests for one sparse kernel: `pruned` zoo models (auto picks it), `dense` ones
    (auto keeps the dense kernel; forcing the policy "sparse" picks it, bit-exact)."""

    @flavours
    @pytest.mark.parametrize("name", dense)
    def test_dense_layers_forced_sparse_stay_bit_exact(name, flags):
        assert kernel in kernels(name, "sparse")[op]
        check_bit_exact(name, flags, weights="sparse")

    @pytest.mark.parametrize("name", dense)
    def test_auto_keeps_dense_layers_dense(name):
        assert kernel not in kernels(name)[op]

    @pytest.mark.parametrize("name", pruned)
    def test_auto_stores_pruned_layers_sparse_in_less_flash(name):
        g = load_model(zoo.tflite_path(name))
        auto, dense = lower(g, weights="auto"), lower(g, weights="dense")
        picked = [layer for layer in auto.layers if layer.op == op]
        assert picked and all(layer.kernel == kernel and layer.encoding == "sparse"
                              for layer in picked)
        assert all(layer.const_bytes < layer.dense_const_bytes for layer in picked)
        assert auto.const_bytes < dense.const_bytes
        assert sum(layer.const_bytes for layer in dense.layers if layer.op == op) == \
            sum(layer.dense_const_bytes for layer in picked)

    return {f.__name__: f for f in (test_dense_layers_forced_sparse_stay_bit_exact,
                                    test_auto_keeps_dense_layers_dense,
                                    test_auto_stores_pruned_layers_sparse_in_less_flash)}
