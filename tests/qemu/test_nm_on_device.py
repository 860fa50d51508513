"""2:4 weights (issue 19) on the device: the 2:4-pruned zoo models of the nm kernels
(td_fully_connected_nm_s8, td_conv2d_nm_s8 with the 1x1 and the im2col gather) built with
the default policy for a Cortex-M4 (DSP loops: the pair tables), a Cortex-M3 and a
Cortex-M0 (scalar loops); outputs bit-exact with TFLite Micro over the serial link."""
import pytest

from tinydeploy.compiler.compiled import compile_model

import zoo
from on_device import check_zoo_model_on_device

pytestmark = [pytest.mark.qemu, pytest.mark.tf]

BOARDS = ["mps2-an386", "mps2-an385", "microbit"]     # M4, M3, M0
MODELS = ["fc_nm24", "conv1x1_nm24", "conv3x3_nm24_c5"]


@pytest.mark.parametrize("board", BOARDS)
def test_nm_models_bit_exact_on_the_core(board, tmp_path):
    for name in MODELS:
        c = compile_model(zoo.tflite_path(name))
        assert any(layer.encoding == "nm" for layer in c.program.layers)
        check_zoo_model_on_device(name, board, tmp_path / name, c)
