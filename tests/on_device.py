"""One zoo model on an emulated board: built, booted in QEMU, fed over the serial link, its
outputs compared byte for byte with TFLite Micro's (shared by the tests/qemu/ files)."""
from pathlib import Path

import numpy as np

from tinydeploy.compiler.compiled import Compiled
from tinydeploy.deploy.boards import load_board
from tinydeploy.deploy.build import build_firmware
from tinydeploy.deploy.qemu import start_qemu
from tinydeploy.measure.dut import Dut

import zoo
from oracle import run_tflm


def check_zoo_model_on_device(name: str, board: str, out: Path, compiled: Compiled | None = None,
                              n: int = 2, seed: int = 13, then=None) -> dict:
    """Assert the device's outputs for `n` random inputs equal TFLite Micro's. `compiled`:
    the model compiled with a weight policy of the test's choosing (default: the path).
    `then(dut)`, if given, runs on the device afterwards. Returns the build report."""
    path = zoo.tflite_path(name)
    r = build_firmware(compiled if compiled is not None else path, board, out)
    x = zoo.random_inputs(path, n, seed=seed)
    want = run_tflm(path, x)
    with start_qemu(load_board(board), r["elf"]) as q:
        dut = Dut.open(q.url, timeout=60.0)
        try:
            dut.wait_ready(30.0)
            for xi, wi in zip(x, want):
                dut.load(xi.astype(np.int8).tobytes())
                dut.infer(1, 0, timeout=120.0)
                assert dut.output() == wi.astype(np.int8).tobytes(), (board, name)
            if then is not None:
                then(dut)
        finally:
            dut.close()
    return r
