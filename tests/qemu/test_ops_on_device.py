"""The ops of issue 20 on the device: a zoo model of each (ABS and RSQRT on td_lut_s8,
REVERSE_V2 on td_copy_nd_s8, MIRROR_PAD on td_mirror_pad_s8, LOG_SOFTMAX on
td_log_softmax_s8, a float ELU island on td_lut_s8) built for a
Cortex-M4 and a Cortex-M0; outputs bit-exact with TFLite Micro over the serial link."""
import pytest

from on_device import check_zoo_model_on_device

pytestmark = [pytest.mark.qemu, pytest.mark.tf]

BOARDS = ["mps2-an386", "microbit"]     # M4, M0
MODELS = ["abs_conv", "rsqrt_conv", "reverse_hw_neg", "mirror_pad_reflect",
          "mirror_pad_symmetric", "log_softmax_conv", "island_elu"]


@pytest.mark.parametrize("board", BOARDS)
def test_issue20_op_models_bit_exact_on_the_core(board, tmp_path):
    for name in MODELS:
        check_zoo_model_on_device(name, board, tmp_path / name)
