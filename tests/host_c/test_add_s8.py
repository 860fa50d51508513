"""ADD (td_add_s8): the table fast path without broadcast (flat, four elements per word,
tails of 1-3 elements) and with broadcast (odometer over merged dimensions, inner runs),
bit-exact with TFLite Micro in scalar and emulated-SIMD builds."""
import pytest

import zoo
from kernel_cases import assert_bit_exact, assert_clean_under_sanitizers, flavours
from tinydeploy.lower import lower
from tinydeploy.reader import load_model

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

FLAT = ["add_same_shape_c5", "add_same_shape_relu_c8", "add_residual", "add_relu"]
BROADCAST = ["add_bcast_row", "add_broadcast", "add_broadcast_reshape"]


def _add_layers(name):
    return [layer for layer in lower(load_model(zoo.tflite_path(name))).layers
            if layer.op == "ADD"]


@pytest.mark.parametrize("name", FLAT + BROADCAST)
def test_fast_path_chosen(name):
    for layer in _add_layers(name):
        assert layer.kernel == "td_add_s8" and layer.params["lut"] is not None
        assert (layer.params["ndim"] == 0) == (name in FLAT)


@flavours
@pytest.mark.parametrize("name", FLAT + BROADCAST)
def test_bit_exact(name, flags):
    assert_bit_exact(name, flags)


@flavours
@pytest.mark.parametrize("name", ["add_same_shape_c5", "add_bcast_row"])
def test_clean_under_asan_and_ubsan(name, flags):
    assert_clean_under_sanitizers(name, flags)
