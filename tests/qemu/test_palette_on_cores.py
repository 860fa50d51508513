"""Palette weights (issue 19) on the cores: the clustered zoo models built with the weight
policy "palette" for Cortex-M4 (DSP loops), M33, M3 and M0 (scalar loops), booted in QEMU,
outputs bit-exact with TFLite Micro. Every QEMU is stopped by its pid."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.deploy.boards import load_board
from tinydeploy.deploy.build import build_firmware
from tinydeploy.deploy.qemu import start_qemu
from tinydeploy.measure.dut import Dut

pytestmark = [pytest.mark.qemu, pytest.mark.tf]

BOARDS = ["mps2-an386", "mps2-an505", "mps2-an385", "microbit"]     # M4, M33, M3, M0
MODELS = ["pal_fc16_odd", "pal_fc4_per_tensor", "pal_fc3d_4", "pal_conv1x1_16",
          "pal_conv1x1_4_s2"]


@pytest.mark.parametrize("board", BOARDS)
def test_palette_models_bit_exact_on_the_core(board, tmp_path):
    import zoo
    from oracle import run_tflm
    b = load_board(board)
    for name in MODELS:
        path = zoo.tflite_path(name)
        c = compile_model(path, weights="palette")
        assert any(layer.encoding == "palette" for layer in c.program.layers)
        r = build_firmware(c, b, tmp_path / name)
        x = zoo.random_inputs(path, 2, seed=5)
        want = run_tflm(path, x)
        q = start_qemu(b, r["elf"])
        try:
            dut = Dut.open(q.url, 115200, timeout=30.0)
            dut.wait_ready(20.0)
            for xi, wi in zip(x, want):
                dut.load(xi.astype(np.int8).tobytes())
                dut.infer(1, 0)
                assert dut.output() == wi.astype(np.int8).tobytes(), (board, name)
            dut.close()
        finally:
            q.stop()
        assert not q.alive()
