"""TFLite Micro's own models (tests/data/tflm, 143 of its repository's 144) through
tinydeploy: every one is accepted and bit-exact with tflite_micro on random inputs, or
refused in one line as not supported yet; never "malformed", never a traceback. The ones
tinydeploy runs today must stay accepted and exact."""
import re

import pytest

from tflm_check import BAD, VENDORED, check

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

MODELS = sorted(VENDORED.glob("*.tflite"))
# accepted and bit-exact today: the int8 examples and the 16x8 SEANet families run so far
EXACT = re.compile(r"hello_world_int8|simple_add_model|micro_speech_quantized|"
                   r"models__person_detect$|seanet__(strided_slice|pad|leaky_relu|add|sub|conv|transpose_conv)__")


def test_the_vendored_set_is_complete():
    assert len(MODELS) == 143


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_accepted_and_exact_or_refused_as_not_supported(path):
    outcome, detail = check(path, 2)
    assert outcome not in BAD, detail
    if EXACT.search(path.stem):
        assert outcome == "exact", detail
    else:
        assert "not supported" in detail, detail
