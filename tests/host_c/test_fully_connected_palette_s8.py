"""Bit-exactness of td_fully_connected_palette_s8 (FULLY_CONNECTED from 4- and 2-bit
palette indices): clustered zoo models (16 values per layer with a channel of 3, 4 values
per tensor), odd input depth, per-channel and per-tensor weights, against TFLite Micro,
scalar and emulated DSP loops; `auto` picks it on the clustered models and takes less
flash, `palette` forces it on a dense layer that fits and leaves one that does not."""
import pytest

from tinydeploy.compiler.lower import lower
from tinydeploy.compiler.reader import load_model

import zoo
from bitexact import check_bit_exact, flavours, kernels, stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

KERNEL = "td_fully_connected_palette_s8"

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice (policy palette)
globals().update(stem_tests("fully_connected_palette_s8", choice=("FULLY_CONNECTED", KERNEL),
                            weights="palette"))


@pytest.mark.parametrize("name", ["pal_fc16_odd", "pal_fc4_per_tensor"])
def test_auto_picks_palette_on_clustered_models_and_saves_flash(name):
    path = zoo.tflite_path(name)
    auto = lower(load_model(path))
    dense = lower(load_model(path), weights="dense")
    fc = [layer for layer in auto.layers if layer.op == "FULLY_CONNECTED"]
    assert all(layer.kernel == KERNEL and layer.encoding == "palette" for layer in fc)
    assert all(layer.const_bytes < layer.dense_const_bytes for layer in fc)
    assert auto.const_bytes < dense.const_bytes
    bits = {layer.params.bits for layer in fc}
    assert bits == ({4} if name == "pal_fc16_odd" else {2})


def test_auto_keeps_a_dense_model_dense():
    assert kernels("fc_relu") == {"FULLY_CONNECTED": {"td_fully_connected_rows4_s8"}}


@flavours
@pytest.mark.parametrize("name", ["fc_odd_13_7", "fc_3d", "fc_3d_per_tensor"])
def test_dense_layer_that_fits_forced_to_palette_is_exact(name, flags):
    # 13 / 7 inputs: at most that many values a row, so every row fits a 16-entry table;
    # an odd last row, 6 batches, per-channel and per-tensor weights
    assert kernels(name, "palette")["FULLY_CONNECTED"] == {KERNEL}
    check_bit_exact(name, flags, weights="palette")


def test_forcing_a_layer_that_does_not_fit_leaves_it_dense():
    # fc_relu's first layer has rows of more than 16 values
    program = lower(load_model(zoo.tflite_path("fc_relu")), weights="palette")
    fc = [layer for layer in program.layers if layer.op == "FULLY_CONNECTED"]
    assert fc[0].kernel == "td_fully_connected_rows4_s8" and fc[0].encoding == "dense"


def test_pair_tables_and_plain_lookups_are_both_reached():
    layers = {name: [layer.params for layer in lower(load_model(zoo.tflite_path(name)),
                                                     weights="palette").layers
                     if layer.op == "FULLY_CONNECTED"]
              for name in ("pal_fc16_odd", "pal_fc4_per_tensor")}
    first, second = layers["pal_fc16_odd"]
    assert first.pair_tables > 1 and first.table_of is not None and first.bits == 4
    assert second.pair_tables == 0 and second.table_of is not None
    assert {(p.bits, p.pair_tables) for p in layers["pal_fc4_per_tensor"]} == {(2, 1)}
    (seq,) = [layer.params for layer in lower(load_model(zoo.tflite_path("pal_fc3d_4")),
                                              weights="palette").layers]
    assert seq.batches == 6 and seq.pair_tables > 0
