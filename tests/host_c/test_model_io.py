"""Models with several inputs and outputs (two inputs of different quantization, two heads). Each zoo model of the stem
(tests/bitexact.py) against its oracle, with the scalar loops and with the packed loops of
the DSP cores emulated on the host."""
import numpy as np
import pytest

from io_models import float_io_model, two_in_two_out_model
from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.hostrun import HostModel

from bitexact import stem_tests
from oracle import run_tflm

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, test_kernels_clean_under_asan_and_ubsan, test_kernel_choice, ...
globals().update(stem_tests("model_io"))


def test_hand_built_two_inputs_two_outputs_against_tflite_micro():
    """ADD of two inputs of different quantization -> SOFTMAX and ARG_MAX (int32): both
    outputs of the host build equal TFLite Micro's, and run() refuses such a model."""



    for buf in (two_in_two_out_model(), float_io_model()):
        c = compile_model(buf)
        n_in = len(c.graph.inputs)
        rng = np.random.default_rng(3)
        xs = [rng.integers(-128, 128, (10, 6)).astype(np.int8) for _ in range(n_in)] \
            if n_in == 2 else [rng.normal(0, 3, (10, 4)).astype(np.float32)]
        hm = HostModel(c.program, c.plan, buf)
        try:
            ours = hm.run_all(xs)
            if len(ours) > 1:
                with pytest.raises(ValueError, match="run_all"):
                    hm.run(xs[0])
        finally:
            hm.close()
        ref = run_tflm(buf, xs)
        assert len(ours) == len(ref)
        for a, b in zip(ours, ref):
            assert a.dtype == b.dtype
            assert a.tobytes() == np.ascontiguousarray(b).tobytes()
