"""Build-time preparation for the fast kernels: what an interpreter would compute at run
time, or never, computed once here.

Contract: every function is pure numpy, returns flat arrays ready to become C constants,
and documents the exact layout the C side reads (firmware/kernels/td_kernels.h).
"""
from __future__ import annotations

import numpy as np

RQ_WORDS = 4          # td_rq_t: c_lo, c_hi, mult, rshift
MAX_RQ_SHIFT = 24     # td_rq_apply is exact for right shifts 1..24 (see td_fixedpoint.h)


def requant_table(mult, shift, out_zp: int) -> np.ndarray | None:
    """td_rq_t per channel (int32 words), or None when a channel needs td_mbqm instead
    (multiplier 0, a left shift, no shift, or a right shift above MAX_RQ_SHIFT)."""
    rows = []
    for m, s in zip(mult, shift):
        e = -int(s)
        if int(m) <= 0 or not 1 <= e <= MAX_RQ_SHIFT:
            return None
        c = (1 << 30) + (1 << (30 + e)) + int(out_zp) * (1 << (31 + e))
        lo, hi = c & 0xFFFFFFFF, c >> 32
        rows.append([lo - (1 << 32) if lo >= 1 << 31 else lo, hi, int(m), e - 1])
    return np.asarray(rows, np.int64).astype(np.int32).reshape(-1)


def acc_init(bias, weights_2d: np.ndarray, in_offset: int) -> np.ndarray:
    """Per-row accumulator start: bias + in_offset * sum(row weights), so kernels multiply
    raw int8 inputs (a padded tap must then read the input zero point, which adds 0)."""
    w = weights_2d.astype(np.int64)
    acc = w.sum(axis=1) * int(in_offset)
    if bias is not None:
        acc = acc + np.asarray(bias, np.int64).reshape(-1)
    if np.any(np.abs(acc) >= 1 << 31):
        raise OverflowError("accumulator start does not fit int32")
    return acc.astype(np.int32)


def pad_depth(n: int) -> int:
    """Reduction depth rounded up to whole 4-byte words."""
    return (n + 3) // 4 * 4


def interleave_rows(weights_2d: np.ndarray, rows: int = 2) -> np.ndarray:
    """int8 [n][k] -> blocks of `rows` rows, word-interleaved: for each block and each
    4-column group g, row r's bytes 4g..4g+3 follow each other; k is zero-padded to a
    multiple of 4. Rows left over after the last whole block follow one by one (k4 bytes
    each). One pointer then walks a block's weights in the order the inner loop reads."""
    n, k = weights_2d.shape
    k4 = pad_depth(k)
    w = np.zeros((n, k4), np.int8)
    w[:, :k] = weights_2d
    whole = n // rows * rows
    blocks = w[:whole].reshape(n // rows, rows, k4 // 4, 4).transpose(0, 2, 1, 3)
    return np.concatenate([blocks.reshape(-1), w[whole:].reshape(-1)])
