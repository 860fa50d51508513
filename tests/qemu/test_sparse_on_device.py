"""Sparse weights (issue 19) on the device: the pruned zoo models of the sparse kernels
(td_fully_connected_sparse_s8, td_conv2d_sparse_s8 with the 1x1 and the im2col gather)
built with the default policy for a Cortex-M4 (DSP loops), a Cortex-M3 and a Cortex-M0
(scalar loops), and a dense model forced sparse on the M4; outputs bit-exact with TFLite
Micro over the serial link."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.deploy.boards import load_board
from tinydeploy.deploy.build import build_firmware
from tinydeploy.deploy.qemu import start_qemu
from tinydeploy.measure.dut import Dut

import zoo
from oracle import run_tflm

pytestmark = [pytest.mark.qemu, pytest.mark.tf]

PRUNED = ["fc_sparse75", "conv1x1_sparse75", "conv3x3_sparse75_c5"]
CASES = [(b, n, "auto") for b in ("mps2-an386", "mps2-an385", "microbit") for n in PRUNED] \
    + [("mps2-an386", "fc_odd_13_7", "sparse"), ("mps2-an386", "conv10x4_s2_c1", "sparse")]


@pytest.mark.parametrize("board, name, weights", CASES,
                         ids=[f"{b}-{n}-{w}" for b, n, w in CASES])
def test_sparse_model_runs_bit_exact_on_the_device(board, name, weights, tmp_path):
    path = zoo.tflite_path(name)
    compiled = compile_model(path, weights=weights)
    assert any(layer.encoding == "sparse" for layer in compiled.program.layers)
    r = build_firmware(compiled, board, tmp_path / "fw")
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
