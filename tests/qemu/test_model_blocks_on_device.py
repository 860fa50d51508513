"""The new op families on the device: the zoo's whole blocks (MobileNetV3 with hard-swish and
squeeze-excite, a U-Net, MultiHeadAttention, and a medley of the remaining families) built
for a Cortex-M4 with the DSP loops (mps2-an386) and the medley also for a Cortex-M0 with
the scalar ones (microbit), each output bit-exact with TFLite Micro over the serial link."""
import pytest

from on_device import check_zoo_model_on_device

pytestmark = [pytest.mark.qemu, pytest.mark.tf]

CASES = [("mps2-an386", "mnv3_block"), ("mps2-an386", "unet_small"),
         ("mps2-an386", "mha_block"), ("mps2-an386", "op_medley"), ("microbit", "op_medley")]


@pytest.mark.parametrize("board, name", CASES, ids=[f"{b}-{n}" for b, n in CASES])
def test_block_runs_bit_exact_on_the_device(board, name, tmp_path):
    check_zoo_model_on_device(name, board, tmp_path / "fw")
