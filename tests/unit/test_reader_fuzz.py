"""Fuzzing the reader: random bit flips, byte sets, truncations and word patches of a real
flatbuffer (tests/corrupt_models.py mutate). Every mutant either compiles or is refused with
a TinyDeployError; nothing else may escape. The long run (>= 1 M mutants) is
benchmarks/fuzz_reader.py; accepted mutants run under ASan/UBSan in test_fuzz_sanitized.py."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.errors import TinyDeployError

import corrupt_models as cm
from tflite_builder import fc_softmax_model

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("which", ["conv_model", "fc_model"])
def test_mutants_compile_or_are_refused(which):
    base = cm.build_spec(cm.base_spec()) if which == "conv_model" else fc_softmax_model()
    rng = np.random.default_rng(20261202)
    outcomes = {"accepted": 0, "refused": 0}
    for _ in range(1500):
        m = cm.mutate(base, rng)
        try:
            compile_model(m)
            outcomes["accepted"] += 1
        except TinyDeployError as e:
            assert "\n" not in str(e)
            outcomes["refused"] += 1
    # both outcomes occur: the mutations reach past the file checks into the graph
    assert outcomes["accepted"] > 100 and outcomes["refused"] > 500, outcomes
