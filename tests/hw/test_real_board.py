"""Same protocol tests on a real board (design lesson 5: host -> QEMU -> board). Run with
`scripts/test.sh -m hw --port /dev/ttyACM0 --board nano33 --model M.tflite` after
`tinydeploy build M.tflite --board nano33` and `tinydeploy flash`. Not part of CI: the
hw marker is deselected there."""
import pytest

from tinydeploy.measure.dut import Dut

import protocol_cases as pc

pytestmark = pytest.mark.hw


@pytest.fixture
def hw(request):
    port, model = request.config.getoption("--port"), request.config.getoption("--model")
    if not port or not model:
        raise pytest.UsageError("hw tests need --port PORT and --model MODEL.tflite (the model "
                                "the board was flashed with)")
    dut = Dut.open(port, 115200, timeout=30.0)
    dut.settle(5.0)
    yield dut, model, request.config.getoption("--board")
    dut.close()


def test_real_board_bit_exact_and_robust(hw):
    dut, model, board = hw
    exp = pc.Expect(model=model, counter_unit="us", board=board,
                    benchmark_id=dut.profile()["model"])
    pc.check_name(dut)
    pc.check_info(dut, exp)
    runs = pc.check_infer(dut, exp, seed=3, samples=3, n=3, warmup=1)
    assert all(r["unit"] == "us" and r["latency"] > 0 for r in runs)
    pc.check_garbage(dut, exp)
