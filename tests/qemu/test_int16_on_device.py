"""16x8 models on the device: an int16 LEAKY_RELU, an int16 STRIDED_SLICE -> PAD and an
int16 CONV_2D (int64 bias), built for a Cortex-M4 and a Cortex-M0, fed int16 bytes over the
serial link, outputs bit-exact with TFLite Micro."""
import numpy as np
import pytest

from int16_models import conv_model
from tinydeploy.deploy.boards import load_board
from tinydeploy.deploy.build import build_firmware
from tinydeploy.deploy.qemu import start_qemu
from tinydeploy.measure.dut import Dut

from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = pytest.mark.qemu


def _models():
    leaky = build([tensor("x", [1, 300], "int16", 0.0142, 0),
                   tensor("y", [1, 300], "int16", 0.006, 0)],
                  [("LEAKY_RELU", [0], [1], ("LeakyReluOptions", {"Alpha": 0.3}))], [0], [1])
    c = [np.array(v, np.int32) for v in ((0, 1, 0, 0), (1, 6, 9, 2), (1, 1, 2, 1))]
    t = [tensor("x", [1, 6, 9, 2], "int16", 0.001, 0), tensor("s", [1, 5, 5, 2], "int16", 0.001, 0),
         tensor("y", [1, 7, 5, 2], "int16", 0.001, 0)]
    t += [tensor(f"c{k}", [4], "int32", data=v) for k, v in enumerate(c)]
    t.append(tensor("p", [4, 2], "int32", data=np.array([[0, 0], [1, 1], [0, 0], [0, 0]],
                                                          np.int32)))
    slice_pad = build(t, [("STRIDED_SLICE", [0, 3, 4, 5], [1], ("StridedSliceOptions", {})),
                          ("PAD", [1, 6], [2])], [0], [2])
    return {"leaky": (leaky, (1, 300)), "slice_pad": (slice_pad, (1, 6, 9, 2)),
            "conv": (conv_model([1, 9, 10, 4], [6, 3, 3, 4], [1, 5, 5, 6], stride=2,
                                padding="SAME"), (1, 9, 10, 4))}


@pytest.mark.parametrize("board", ["mps2-an386", "microbit"])
def test_int16_models_bit_exact_on_the_core(board, tmp_path):
    for name, (buf, shape) in _models().items():
        path = tmp_path / f"{name}.tflite"
        path.write_bytes(buf)
        r = build_firmware(path, board, tmp_path / name)
        x = np.random.default_rng(1).integers(-32768, 32768, shape).astype(np.int16)
        want = np.asarray(run_tflm(path, [x])[0]).astype("<i2").tobytes()
        with start_qemu(load_board(board), r["elf"]) as q:
            dut = Dut.open(q.url, timeout=60.0)
            try:
                dut.wait_ready(30.0)
                dut.load(x.astype("<i2").tobytes())
                dut.infer(1, 0, timeout=120.0)
                assert dut.output() == want, (board, name)
            finally:
                dut.close()
