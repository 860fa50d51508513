"""Checks of the sparse weight encodings shared by the tests of the sparse and
sparse-palette kernels: dense zoo models forced into the encoding stay bit-exact (scalar
and emulated DSP loops), and "auto" stores pruned layers so (less flash) but leaves dense
layers dense."""
from __future__ import annotations

import pytest

from tinydeploy.compiler.lower import lower
from tinydeploy.compiler.reader import load_model

import zoo
from bitexact import check_bit_exact, flavours, kernels


def sparse_tests(op: str, kernel: str, pruned: list[str], dense: list[str],
                 encoding: str = "sparse") -> dict:
    """Tests for one kernel of a sparse encoding: `pruned` zoo models (auto picks it),
    `dense` ones (auto keeps the dense kernel; forcing the policy `encoding` picks it,
    bit-exact)."""

    @flavours
    @pytest.mark.parametrize("name", dense)
    def test_dense_layers_forced_sparse_stay_bit_exact(name, flags):
        assert kernel in kernels(name, encoding)[op]
        check_bit_exact(name, flags, weights=encoding)

    @pytest.mark.parametrize("name", dense)
    def test_auto_keeps_dense_layers_dense(name):
        assert kernel not in kernels(name)[op]

    @pytest.mark.parametrize("name", pruned)
    def test_auto_stores_pruned_layers_sparse_in_less_flash(name):
        g = load_model(zoo.tflite_path(name))
        auto, dense = lower(g, weights="auto"), lower(g, weights="dense")
        picked = [layer for layer in auto.layers if layer.op == op]
        assert picked and all(layer.kernel == kernel and layer.encoding == encoding
                              for layer in picked)
        assert all(layer.const_bytes < layer.dense_const_bytes for layer in picked)
        assert auto.const_bytes < dense.const_bytes
        assert sum(layer.const_bytes for layer in dense.layers if layer.op == op) == \
            sum(layer.dense_const_bytes for layer in picked)

    return {f.__name__: f for f in (test_dense_layers_forced_sparse_stay_bit_exact,
                                    test_auto_keeps_dense_layers_dense,
                                    test_auto_stores_pruned_layers_sparse_in_less_flash)}
