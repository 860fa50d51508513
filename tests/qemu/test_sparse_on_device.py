"""Sparse weights (issue 19) on the device: the pruned zoo models of the sparse kernels
(td_fully_connected_sparse_s8, td_conv2d_sparse_s8 with the 1x1 and the im2col gather)
and pruned and clustered ones of the sparse-palette kernels (FC, 1x1 and 3x3 conv), built
with the default policy for a Cortex-M4 (DSP loops), a Cortex-M3 and a Cortex-M0 (scalar
loops), and a dense model forced sparse on the M4; outputs bit-exact with TFLite Micro
over the serial link."""
import pytest

from tinydeploy.compiler.compiled import compile_model

import zoo
from on_device import check_zoo_model_on_device

pytestmark = [pytest.mark.qemu, pytest.mark.tf]

PRUNED = ["fc_sparse75", "conv1x1_sparse75", "conv3x3_sparse75_c5", "fc_sparse75_c8",
          "conv1x1_sparse75_c8", "conv3x3_sparse75_c8"]
CASES = [(b, n, "auto") for b in ("mps2-an386", "mps2-an385", "microbit") for n in PRUNED] \
    + [("mps2-an386", "fc_odd_13_7", "sparse"), ("mps2-an386", "conv10x4_s2_c1", "sparse")]


@pytest.mark.parametrize("board, name, weights", CASES,
                         ids=[f"{b}-{n}-{w}" for b, n, w in CASES])
def test_sparse_model_runs_bit_exact_on_the_device(board, name, weights, tmp_path):
    compiled = compile_model(zoo.tflite_path(name), weights=weights)
    encoding = "sparse-palette" if name.endswith("_c8") else "sparse"
    assert any(layer.encoding == encoding for layer in compiled.program.layers)
    check_zoo_model_on_device(name, board, tmp_path / "fw", compiled)
