"""Bit-exactness of the MLPerf Tiny re-creations (DS-CNN, MobileNetV1 0.25, ResNet-8, FC autoencoder): the zoo models that cover it, generated C
compiled on the host against the oracle (tests/bitexact.py says which)."""
import pytest

from bitexact import check_bit_exact, models

pytestmark = [pytest.mark.tf, pytest.mark.host_c]
STEM = "mlperf_tiny"


@pytest.mark.parametrize("name", models(STEM))
def test_bit_exact(name):
    check_bit_exact(name)
