"""Build-time layouts of the fast kernels (compiler/kernel_layout.py): the byte order the
C inner loops read, the folded accumulator start, and which channels the one-step
requantization may take."""
import numpy as np
import pytest

from tinydeploy.compiler import kernel_layout as kl

pytestmark = pytest.mark.unit


def test_interleave_rows_pairs_words_and_pads_depth():
    w = np.arange(15, dtype=np.int8).reshape(3, 5)
    got = kl.interleave_rows(w, 2)
    # rows 0 and 1 word by word (depth padded to 8), then row 2 on its own
    assert got.tolist() == [0, 1, 2, 3, 5, 6, 7, 8, 4, 0, 0, 0, 9, 0, 0, 0,
                            10, 11, 12, 13, 14, 0, 0, 0]
    w4 = np.arange(4 * 4, dtype=np.int8).reshape(4, 4)
    assert kl.interleave_rows(w4, 4).tolist() == list(range(16))


def test_acc_init_folds_the_input_offset():
    w = np.array([[1, -2, 3], [0, 0, 0]], np.int8)
    assert kl.acc_init(np.array([10, -5]), w, in_offset=7).tolist() == [10 + 7 * 2, -5]
    assert kl.acc_init(None, w, in_offset=-1).tolist() == [-2, 0]
    assert kl.acc_init(np.array([(1 << 31) - 10, 0]), w, in_offset=100) is None


def test_requant_table_refuses_what_it_cannot_express():
    assert kl.requant_table([1 << 30], [0], 0) is None      # no right shift
    assert kl.requant_table([1 << 30], [2], 0) is None      # a left shift
    assert kl.requant_table([1 << 30], [-25], 0) is None    # too small, nothing proven
    assert kl.requant_table([1 << 30, 1 << 30], [-3, -24], 5) is not None


def test_tiny_scale_channel_is_constant_only_where_proven():
    w = np.zeros((1, 4), np.int8)
    acc0 = np.array([1 << 30], np.int32)            # a dead channel: bias only
    rng = kl.acc_range(acc0, w)
    table = kl.requant_table([1320764593], [-27], -3, rng)
    assert table is not None and table[2] == 0        # constant encoding: multiplier 0
    assert kl.mbqm(1 << 30, 1320764593, -27) == 5     # TFLM's value ...
    c = (int(table[1]) << 32) | (int(table[0]) & 0xFFFFFFFF)
    assert (c >> 32) >> int(table[3]) == -3 + 5       # ... is what the table yields
    wide = kl.acc_range(np.array([0], np.int32), np.full((1, 4), 127, np.int8))
    assert kl.requant_table([1 << 30], [-30], 0, wide) is not None   # |acc| small: always 0
    huge = (np.array([-(1 << 31)]), np.array([(1 << 31) - 1]))
    assert kl.requant_table([(1 << 31) - 1], [-25], 0, huge) is None


def test_mbqm_matches_known_values():
    assert kl.mbqm(-100, 1 << 30, -1) == -25          # -25 exactly
    assert kl.mbqm(5, 1 << 30, -1) == 2               # double rounding: 2.5 -> 3, 1.5 -> 2
    assert kl.mbqm(4, 1 << 30, -1) == 1               # 2 -> 1
    assert kl.mbqm(6, 1 << 30, -1) == 2               # 3 -> 1.5 -> 2 (away from zero)
    assert kl.mbqm(-6, 1 << 30, -1) == -2
    assert kl.mbqm(-(1 << 31), -(1 << 31), 0) == (1 << 31) - 1   # saturation
