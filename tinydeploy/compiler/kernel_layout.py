"""Build-time preparation for the fast kernels: what an interpreter would compute at run
time, or never, computed once here.

Contract: every function is pure numpy, returns flat arrays ready to become C constants,
and documents the exact layout the C side reads (firmware/kernels/td_kernels.h).
"""
from __future__ import annotations

import numpy as np

RQ_WORDS = 4          # td_rq_t: c_lo, c_hi, mult, rshift
MAX_RQ_SHIFT = 24     # td_rq_apply is exact for right shifts 1..24 (see td_fixedpoint.h)


def mbqm(x: int, mult: int, shift: int) -> int:
    """TFLite Micro's MultiplyByQuantizedMultiplier (double rounding) on Python ints."""
    left, right = max(shift, 0), max(-shift, 0)
    a = ((x << left) + (1 << 31)) % (1 << 32) - (1 << 31)     # int32 wrap of x << left
    if a == mult == -(1 << 31):
        t = (1 << 31) - 1
    else:
        ab = a * mult
        n = ab + ((1 << 30) if ab >= 0 else 1 - (1 << 30))
        t = n >> 31 if n >= 0 else -((-n) >> 31)        # division truncating toward 0
    mask = (1 << right) - 1
    threshold = (mask >> 1) + (1 if t < 0 else 0)
    return (t >> right) + (1 if (t & mask) > threshold else 0)


def requant_table(mult, shift, out_zp: int, acc_range=None) -> np.ndarray | None:
    """td_rq_t per channel (int32 words), or None when a channel needs td_mbqm instead.

    With acc_range (lo, hi arrays: every accumulator a channel can see), a channel whose
    right shift exceeds MAX_RQ_SHIFT but whose output is one value over that range (a
    tiny scale: weights near zero) gets the constant encoding (multiplier 0). None for a
    left shift, no shift, or a large shift without that proof."""
    rows = []
    for ch, (m, s) in enumerate(zip(mult, shift)):
        m, s = int(m), int(s)
        e, zp = -s, int(out_zp)
        if m != 0 and not 1 <= e <= MAX_RQ_SHIFT:
            if acc_range is None or m < 0 or e <= MAX_RQ_SHIFT:
                return None
            lo, hi = int(acc_range[0][ch]), int(acc_range[1][ch])
            if lo < -(1 << 31) or hi >= 1 << 31 or mbqm(lo, m, s) != mbqm(hi, m, s):
                return None
            m, e, zp = 0, 1, zp + mbqm(lo, m, s)
        elif m == 0:
            e = 1
        c = (1 << 30) + (1 << (30 + e)) + zp * (1 << (31 + e))
        lo_w, hi_w = c & 0xFFFFFFFF, c >> 32
        rows.append([lo_w - (1 << 32) if lo_w >= 1 << 31 else lo_w, hi_w, m, e - 1])
    return np.asarray(rows, np.int64).astype(np.int32).reshape(-1)


def acc_range(acc0: np.ndarray, weights_2d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest accumulator a row can reach from acc0 with raw int8 inputs."""
    w = weights_2d.astype(np.int64)
    a0 = acc0.astype(np.int64)
    pos, neg = np.where(w > 0, w, 0).sum(axis=1), np.where(w < 0, w, 0).sum(axis=1)
    return a0 - 128 * pos + 127 * neg, a0 + 127 * pos - 128 * neg


def acc_init(bias, weights_2d: np.ndarray, in_offset: int) -> np.ndarray | None:
    """Per-row accumulator start: bias + in_offset * sum(row weights), so kernels multiply
    raw int8 inputs (a padded tap must then read the input zero point, which adds 0).
    None if a start does not fit int32 (the reference kernel then keeps the layer)."""
    w = weights_2d.astype(np.int64)
    acc = w.sum(axis=1) * int(in_offset)
    if bias is not None:
        acc = acc + np.asarray(bias, np.int64).reshape(-1)
    if np.any(np.abs(acc) >= 1 << 31):
        return None
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
