"""Reader-fuzz mutants that the verifier accepts compile into C that runs clean under ASan
and UBSan, with the scalar and with the emulated DSP loops (whatever their outputs: a
mutated weight is still a valid model)."""
import hashlib

import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.hostrun import HostModel
from tinydeploy.errors import TinyDeployError

import corrupt_models as cm
from bitexact import FLAVOURS, SANITIZE

pytestmark = pytest.mark.host_c


def _accepted(n: int, seed: int):
    base = cm.build_spec(cm.base_spec())
    rng = np.random.default_rng(seed)
    seen = set()
    while len(seen) < n:
        m = cm.mutate(base, rng)
        h = hashlib.sha256(m).digest()
        if m == base or h in seen:
            continue
        try:
            c = compile_model(m)
        except TinyDeployError:
            continue
        seen.add(h)
        yield c, m


@pytest.mark.parametrize("flags", list(FLAVOURS.values()), ids=list(FLAVOURS))
def test_accepted_mutants_run_clean_under_sanitizers(flags):
    for k, (c, m) in enumerate(_accepted(3, seed=77)):
        g = c.graph
        x = np.random.default_rng(k).integers(-128, 128, (4,) + tuple(g.t(g.inputs[0]).shape[1:]),
                                              dtype=np.int8)
        hm = HostModel(c.program, c.plan, m, extra_flags=(flags or []) + SANITIZE)
        try:
            out = hm.run(x)
        finally:
            hm.close()
        assert out.shape[0] == 4
