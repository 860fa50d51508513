"""Palette weights (issue 19) on the cores: the clustered zoo models built with the weight
policy "palette" for Cortex-M4 (DSP loops), M33, M3 and M0 (scalar loops), booted in QEMU,
outputs bit-exact with TFLite Micro. Every QEMU is stopped by its pid."""
import pytest

from tinydeploy.compiler.compiled import compile_model

pytestmark = [pytest.mark.qemu, pytest.mark.tf]

BOARDS = ["mps2-an386", "mps2-an505", "mps2-an385", "microbit"]     # M4, M33, M3, M0
MODELS = ["pal_fc16_odd", "pal_fc4_per_tensor", "pal_fc3d_4", "pal_conv1x1_16",
          "pal_conv1x1_4_s2"]


@pytest.mark.parametrize("board", BOARDS)
def test_palette_models_bit_exact_on_the_core(board, tmp_path):
    import zoo
    from on_device import check_zoo_model_on_device
    for name in MODELS:
        c = compile_model(zoo.tflite_path(name), weights="palette")
        assert any(layer.encoding == "palette" for layer in c.program.layers)
        check_zoo_model_on_device(name, board, tmp_path / name, c, seed=5)
