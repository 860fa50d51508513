"""Bit-exactness of td_conv2d_1x1_palette_s8 (1x1 CONV_2D whose weights are decoded from
palette indices a tile of channels at a time): 16 and 4 values per channel (4- and 2-bit
indices), two tiles with an odd last one, odd input depth, stride 2, against TFLite
Micro, scalar and emulated DSP loops; `auto` picks it where it takes less flash."""
import pytest

from tinydeploy.compiler.lower import lower
from tinydeploy.compiler.reader import load_model

import zoo
from bitexact import check_bit_exact, flavours, kernels, stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

KERNEL = "td_conv2d_1x1_palette_s8"

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice (policy palette)
globals().update(stem_tests("conv2d_1x1_palette_s8", choice=("CONV_2D", KERNEL),
                            weights="palette"))


def test_tiles_and_odd_depth_are_reached():
    program = lower(load_model(zoo.tflite_path("pal_conv1x1_16")), weights="palette")
    first, second = [layer.params for layer in program.layers if layer.op == "CONV_2D"]
    assert first.tile < first.out_c and first.out_c % first.tile % 2 == 1
    assert second.in_c % 4 != 0


@pytest.mark.parametrize("name", ["pal_conv1x1_16", "pal_conv1x1_4_s2"])
def test_auto_picks_palette_where_it_saves_flash(name):
    path = zoo.tflite_path(name)
    auto = lower(load_model(path))
    first = next(layer for layer in auto.layers if layer.op == "CONV_2D")
    assert first.kernel == KERNEL and first.const_bytes < first.dense_const_bytes
    assert auto.const_bytes < lower(load_model(path), weights="dense").const_bytes


def test_auto_keeps_a_dense_model_dense():
    assert kernels("conv_1x1")["CONV_2D"] == {"td_conv2d_1x1_s8"}


@flavours
def test_dense_layer_that_fits_forced_to_palette_is_exact(flags):
    # 16 input channels: at most 16 values a channel
    assert kernels("conv1x1_c16_o3", "palette")["CONV_2D"] == {KERNEL}
    check_bit_exact("conv1x1_c16_o3", flags, weights="palette")
