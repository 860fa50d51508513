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
    assert kl.requant_table([1 << 30], [-1], 0) is None     # e = 1: c_lo is not 2^30
    assert kl.requant_table([1 << 30], [-24], 5) is None    # c_hi = 11 * 2^22: over 24 bits
    table, delta = kl.requant_table([1 << 30, 1 << 30], [-3, -24], 0)
    assert delta.tolist() == [0, 0]
    # td_rq_t words: mult, then c_hi << 8 | (e - 1) with c_hi = 2^(e-2) + zp 2^(e-1)
    assert table.tolist() == [1 << 30, (2 << 8) | 2, 1 << 30, ((1 << 22) << 8) | 23]


def _apply(words, acc):
    m, w = int(words[0]), int(words[1])
    return kl.lean_apply(acc, m, w >> 8, w & 0xFF)


def test_tiny_scale_channel_is_constant_only_where_proven():
    w = np.zeros((1, 4), np.int8)
    acc0 = np.array([1 << 30], np.int32)            # a dead channel: bias only
    table, _ = kl.requant_table([1320764593], [-27], -3, kl.acc_range(acc0, w))
    assert table[0] == 0                              # constant encoding: multiplier 0
    assert kl.mbqm(1 << 30, 1320764593, -27) == 5     # TFLM's value ...
    assert _apply(table, 1 << 30) == -3 + 5 == _apply(table, -7)   # ... whatever the acc
    wide = kl.acc_range(np.array([0], np.int32), np.full((1, 4), 127, np.int8))
    assert kl.requant_table([1 << 30], [-30], 0, wide) is not None   # |acc| small: always 0
    huge = (np.array([-(1 << 31)]), np.array([(1 << 31) - 1]))
    assert kl.requant_table([(1 << 30) + 12345], [-1], 0, huge) is None   # e = 1, any acc


def test_wide_c_hi_is_reexpressed_exactly_over_its_range():
    """zero point -128 at e = 20: c_hi needs 27 bits; over an accumulator range of a few
    output values a shorter form (raised start) gives TFLM's saturated outputs exactly."""
    m, lo, hi = 1844316486, -(1 << 18), 1 << 21
    table, delta = kl.requant_table([m], [-20], -128, (np.array([lo]), np.array([hi])))
    assert table[0] != 0 and int(table[1]) & 0xFF < 19 and delta[0] >= 0
    for acc in list(range(lo, lo + 3000)) + list(range(-3000, 3000)) + list(range(hi - 3000, hi + 1)):
        want = min(127, max(-128, kl.mbqm(acc, m, -20) - 128))
        assert min(127, max(-128, _apply(table, acc + int(delta[0])))) == want


def test_mbqm_matches_known_values():
    assert kl.mbqm(-100, 1 << 30, -1) == -25          # -25 exactly
    assert kl.mbqm(5, 1 << 30, -1) == 2               # double rounding: 2.5 -> 3, 1.5 -> 2
    assert kl.mbqm(4, 1 << 30, -1) == 1               # 2 -> 1
    assert kl.mbqm(6, 1 << 30, -1) == 2               # 3 -> 1.5 -> 2 (away from zero)
    assert kl.mbqm(-6, 1 << 30, -1) == -2
    assert kl.mbqm(-(1 << 31), -(1 << 31), 0) == (1 << 31) - 1   # saturation
