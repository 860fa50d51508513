"""Shared runner for the per-kernel bit-exactness tests (test_<kernel stem>.py): a zoo
model through lower -> plan -> host C build, against TFLite Micro, with the scalar loops
and with the packed (DSP) loops emulated on the host (-DTD_SIMD_EMULATE=1)."""
import numpy as np
import pytest

import zoo
from oracle import run_tflm
from tinydeploy.hostrun import HostModel
from tinydeploy.lower import lower
from tinydeploy.planner import plan
from tinydeploy.reader import load_model

FLAVOURS = {"scalar": None, "simd_emulated": ["-DTD_SIMD_EMULATE=1"]}
flavours = pytest.mark.parametrize("flags", list(FLAVOURS.values()), ids=list(FLAVOURS))


def kernels(name: str) -> dict:
    """op kind -> the set of C kernels the lowering picked for it."""
    out: dict = {}
    for layer in lower(load_model(zoo.tflite_path(name))).layers:
        if layer.kernel:
            out.setdefault(layer.op, set()).add(layer.kernel)
    return out


def assert_bit_exact(name: str, flags, n: int = 16, seed: int = 5) -> None:
    path = zoo.tflite_path(name)
    x = zoo.random_inputs(path, n, seed=seed)
    program = lower(load_model(path))
    hm = HostModel(program, plan(program), path.read_bytes(), extra_flags=flags)
    try:
        ours = hm.run(x)
    finally:
        hm.close()
    np.testing.assert_array_equal(ours, run_tflm(path, x).reshape(ours.shape))

SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g", "-O1"]


def assert_clean_under_sanitizers(name: str, flags) -> None:
    """Bit-exact and no ASan/UBSan report (out-of-bounds reads of tails and borders)."""
    assert_bit_exact(name, (flags or []) + SANITIZE, n=8, seed=11)
