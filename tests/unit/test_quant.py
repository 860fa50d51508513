import math

import numpy as np
import pytest

from tinydeploy.compiler import quant

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("real", [0.5, 0.75, 1.0, 1.5, 3e-3, 0.0123456, 7.9, 2.0 ** -20])
def test_quantize_multiplier_reconstructs_real(real):
    m, s = quant.quantize_multiplier(real)
    assert (1 << 30) <= m < (1 << 31)
    assert math.isclose(m * 2.0 ** (s - 31), real, rel_tol=2 ** -30)


def test_quantize_multiplier_edges():
    assert quant.quantize_multiplier(0.0) == (0, 0)
    assert quant.quantize_multiplier(2.0 ** -40) == (0, 0)       # shift below -31
    assert quant.quantize_multiplier(0.5) == (1 << 30, 0)
    # q rounds up to exactly 2^31: halved and the shift bumped, as TFLite does
    m, s = quant.quantize_multiplier(1.0 - 2.0 ** -40)
    assert (m, s) == (1 << 30, 1)


def test_activation_ranges_round_half_away_from_zero():
    assert quant.activation_range("NONE", 0.1, 3) == (-128, 127)
    assert quant.activation_range("RELU", 0.1, -5) == (-5, 127)
    # 6 / 0.05 = 120 -> -128 + 120
    assert quant.activation_range("RELU6", 0.05, -128) == (-128, -8)
    assert quant.activation_range("RELU6", 0.01, 0) == (0, 127)
    with pytest.raises(ValueError):
        quant.activation_range("TANH", 0.1, 0)


def test_per_channel_multipliers_broadcast_per_tensor_scale():
    m, s = quant.per_channel_multipliers(0.5, np.array([0.25], np.float32), 1.0, 3)
    assert m == [1 << 30] * 3 and s == [-2] * 3


def test_input_radius_matches_tflite_formula():
    # CalculateInputRadius(5, 20): floor(31 * 2^26 / 2^20) = 1984
    assert quant.input_radius(5, 20) == 1984
