"""The "sparse" weight encoding (issue 19, unstructured pruning): per output channel only
the non-zero int8 weights, each with a 4-bit gap to the previous one's column.

Contract: `candidate(policy, w2d)` is the blob `encode(w2d)` when the policy asks to try
it; `store(f, blob, kernel)`, called by the fast-path chooser (lower/fastpath.py) once it
picked sparse, replaces the dense weights by the blob, switches the kernel to the sparse
one (which reads the same acc0/rq) and records encoding and dense_const_bytes. The integer sums are the
dense ones minus products by zero, so the outputs do not change.

Blob layout (int8_t array, 8-byte aligned; firmware/kernels/td_sparse.h reads it):
  u32 T | WIDE             entries of all rows (even); WIDE (bit 31): u16 counts
  u8 or u16 n[rows]        each row's entries / 2 (u8 when every row has at most 510
                           entries), padded to whole words
  int8 values[T]           row after row
  u8 gaps[T / 2]           row after row, entry i of a row in nibble i (low nibble first)
A row's entry i reads column pos_i = pos_(i-1) + gap_i (pos_(-1) = 0). A gap over 15 is
bridged by value-0 entries of gap 15; a row with an odd count gets one value-0 entry of
gap 0. Both add products by zero, so the sums stay exact. Per row, 1 B of count and
0.75 B of padding on average; per stored entry 1.5 B.
"""
from __future__ import annotations

import numpy as np

NAME = "sparse"
GAP_MAX = 15
MAX_DEPTH = 120_000       # rows up to this long fit u16 pair counts with any bridging
MIN_ZERO_FRACTION = 0.5   # "auto" considers a layer pruned from half zeros on


def row_entries(row: np.ndarray) -> tuple[list[int], list[int]]:
    """(values, gaps) of one row, padded to an even number of entries."""
    vals: list[int] = []
    gaps: list[int] = []
    pos = 0
    for col in np.flatnonzero(row):
        k = int(col)
        while k - pos > GAP_MAX:
            vals.append(0)
            gaps.append(GAP_MAX)
            pos += GAP_MAX
        vals.append(int(row[k]))
        gaps.append(k - pos)
        pos = k
    pad = len(vals) % 2
    return vals + [0] * pad, gaps + [0] * pad


def head_and_counts(rows: list[tuple[list[int], list[int]]]) -> np.ndarray:
    """The blob's start for rows of (values, gaps): u32 T | WIDE, then each row's entries
    / 2 as u8 (u16 when a row has over 510), padded to whole words; as uint8."""
    pairs = np.array([len(v) // 2 for v, _ in rows], np.int64)
    wide = bool(pairs.size) and int(pairs.max()) > 255
    total = int(pairs.sum()) * 2
    head = np.array([total | (1 << 31 if wide else 0)], "<u4").view(np.uint8)
    packed = pairs.astype("<u2" if wide else "u1").view(np.uint8)
    cnt = np.zeros((packed.size + 3) // 4 * 4, np.uint8)
    cnt[:packed.size] = packed
    return np.concatenate([head, cnt])


def encode(w2d: np.ndarray) -> np.ndarray:
    """int8 [rows][k] -> the blob described in the module docstring, as int8."""
    rows = [row_entries(r) for r in np.asarray(w2d, np.int8)]
    vals = np.array([x for v, _ in rows for x in v], np.int8)
    gaps = np.array([x for _, g in rows for x in g], np.uint8)
    nib = (gaps[0::2] | (gaps[1::2] << 4)).astype(np.uint8)
    blob = np.concatenate([head_and_counts(rows), vals.view(np.uint8), nib])
    return blob.view(np.int8)


def wanted(policy: str, w2d: np.ndarray) -> bool:
    """Whether the policy asks for a try: forced, or auto on a pruned layer."""
    if policy == NAME:
        return True
    return policy == "auto" and bool(np.count_nonzero(w2d == 0) >= MIN_ZERO_FRACTION * w2d.size)


def candidate(policy: str, w2d: np.ndarray) -> np.ndarray | None:
    """The blob the policy asks to try for the int8 rows `w2d` (forced, or "auto" on a
    pruned layer whose rows fit the counts), else None."""
    if not wanted(policy, w2d) or w2d.shape[1] > MAX_DEPTH:
        return None
    return encode(w2d)


def store(f, blob: np.ndarray, kernel: str) -> None:
    """Switch the fast layer `f` (lower/fastpath.ConvFast, laid out dense) to `blob` and
    the sparse `kernel`; records the encoding and the dense constants' bytes."""
    dense_bytes = f.layer.const_bytes
    f.p.weights = f.replace_const("w", "int8_t", blob)
    f.layer.kernel = kernel
    f.layer.encoding = NAME
    f.layer.dense_const_bytes = dense_bytes
