"""The "sparse-palette" weight encoding (issue 19, pruned and clustered layers): the sparse
encoding's entries (compiler/encode_sparse.py: per output channel only the non-zero
weights, each with a 4-bit gap to the previous one's column), each value stored as a
4-bit index into a 16-entry value table instead of a byte: one byte an entry.

Contract: `candidate(policy, w2d)` is the blob `encode(w2d)` when the policy asks to try
it and the layer's non-zero values fit tables of 16 (value 0, which bridging and padding
entries hold, in every table); `store` is encode_sparse.store with this encoding's name.
The values decoded are the int8 weights, so the integer sums are the dense ones minus
products by zero.

Blob layout (int8_t array; firmware/kernels/td_sparse.h reads it):
  u32 T | WIDE, counts       as in encode_sparse (entries / 2 per row, u8 or u16)
  u32 NT                     value tables (1..255)
  u8 table_of[rows]          each row's table, padded to whole words (only when NT > 1)
  int8 tables[NT][16]
  u8 entries[T]              row after row: gap in the low nibble, table index in the high
"""
from __future__ import annotations

import numpy as np

from . import encode_sparse
from .encode_palette import share_tables

NAME = "sparse-palette"
TABLE = 16


def encode(w2d: np.ndarray) -> np.ndarray | None:
    """int8 [rows][k] -> the blob described in the module docstring, as int8; None when
    the rows' non-zero values need more than 255 tables."""
    w = np.asarray(w2d, np.int8)
    sets = [np.unique(r[r != 0]) for r in w]
    if max((s.size for s in sets), default=0) > TABLE - 1:
        return None
    tables, owner = share_tables(sets, TABLE - 1)
    if not tables:
        tables, owner = [np.zeros(0, np.int64)], [0] * len(sets)
    if len(tables) > 255:
        return None
    full = [np.concatenate([[0], t, np.zeros(TABLE - 1 - t.size, np.int64)]) for t in tables]
    rows = [encode_sparse.row_entries(r) for r in w]
    entries = []
    for (vals, gaps), t in zip(rows, owner):
        index = {int(v): i for i, v in enumerate(full[t][:tables[t].size + 1])}
        entries += [g | (index[v] << 4) for v, g in zip(vals, gaps)]
    table_of = np.zeros((len(owner) + 3) // 4 * 4 if len(tables) > 1 else 0, np.uint8)
    table_of[:len(owner) if len(tables) > 1 else 0] = owner if len(tables) > 1 else []
    return np.concatenate([
        encode_sparse.head_and_counts(rows),
        np.array([len(tables)], "<u4").view(np.uint8),
        table_of,
        np.concatenate(full).astype(np.int8).view(np.uint8),
        np.array(entries, np.uint8)]).view(np.int8)


def candidate(policy: str, w2d: np.ndarray) -> np.ndarray | None:
    """The blob the policy asks to try: forced, or "auto" on a pruned layer (as for the
    sparse encoding) whose rows fit; else None."""
    if policy != NAME and not (policy == "auto" and encode_sparse.wanted(policy, w2d)):
        return None
    if w2d.shape[1] > encode_sparse.MAX_DEPTH:
        return None
    return encode(w2d)


def store(f, blob: np.ndarray, kernel: str) -> None:
    """As encode_sparse.store, recording this encoding."""
    encode_sparse.store(f, blob, kernel)
    f.layer.encoding = NAME
