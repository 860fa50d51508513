"""The new op families on the device: the zoo's whole blocks (MobileNetV3 with hard-swish and
squeeze-excite, a U-Net, MultiHeadAttention, and a medley of the remaining families) built
for a Cortex-M4 with the DSP loops (mps2-an386) and the medley also for a Cortex-M0 with
the scalar ones (microbit), each output bit-exact with TFLite Micro over the serial link."""
import numpy as np
import pytest

from tinydeploy.deploy.boards import load_board
from tinydeploy.deploy.build import build_firmware
from tinydeploy.deploy.qemu import start_qemu
from tinydeploy.measure.dut import Dut

import zoo
from oracle import run_tflm

pytestmark = [pytest.mark.qemu, pytest.mark.tf]

CASES = [("mps2-an386", "mnv3_block"), ("mps2-an386", "unet_small"),
         ("mps2-an386", "mha_block"), ("mps2-an386", "op_medley"), ("microbit", "op_medley")]


@pytest.mark.parametrize("board, name", CASES, ids=[f"{b}-{n}" for b, n in CASES])
def test_block_runs_bit_exact_on_the_device(board, name, tmp_path):
    path = zoo.tflite_path(name)
    r = build_firmware(path, board, tmp_path / "fw")
    x = zoo.random_inputs(path, 2, seed=13)
    want = run_tflm(path, x)
    with start_qemu(load_board(board), r["elf"]) as q:
        dut = Dut.open(q.url, timeout=60.0)
        try:
            dut.wait_ready(30.0)
            for xi, wi in zip(x, want):
                dut.load(xi.astype(np.int8).tobytes())
                dut.infer(1, 0, timeout=120.0)
                assert dut.output() == wi.astype(np.int8).tobytes(), (board, name)
        finally:
            dut.close()
