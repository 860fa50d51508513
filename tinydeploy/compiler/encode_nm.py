"""The "nm" weight encoding (issue 19, 2:4 pruning): a layer whose every aligned group of
four consecutive weights along the reduction axis (FC [out][in], conv [oc][kh][kw][ic]
flattened) holds at most two non-zeros is stored as two kept values and two 2-bit-worth
positions per group, read by td_fully_connected_nm_s8 / td_conv2d_nm_s8 with half the
multiply-accumulates.

Contract: `candidate(policy, w2d, kind)` is the blob `encode(w2d, kind)` when the policy
asks to try it ("nm" forced, or "auto") and the rows are 2:4, else None: a forced policy
on a layer that is not 2:4 leaves it dense. `store_fc(f, blob)` / `store_conv(f, blob)`,
called by the fast-path chooser (lower/fastpath.py) once it picked nm, switch a dense fast
layer to the nm kernel, which reads the same acc0/rq. Positions whose value is zero add
products by zero, so every integer sum is the dense one.

Blob (int8 array): groups in pairs, P = ceil(depth / 8) pairs a row (depth padded with
zeros). Per row and pair t of groups a = 2t, b = 2t + 1, one value word [v0a, v1a, v0b, v1b]
(v0 at the group's first position, v1 at its second: SXTB16 of the word pairs v0a with
v0b, SXTB16 ROR 8 v1a with v1b) and one code of the four positions; all value words
first, then all codes.
Code byte, conv (`kind` "conv"): low nibble p0a | p0b << 2, high nibble p1a | p1b << 2.
5 bytes per 8 weights: 0.625 B a weight.
FC ("fc"): the code is 6 bits, ca + 6 * cb, c the index of the group's position pair
(p0 < p1) in PAIRS, and the codes form one little-endian bit stream (code i at bit 6i,
CODE_PAD zero bytes after); rows in blocks of four (rows left over one by one), a block's
value words and codes interleaved row by row per pair, as kernel_layout.interleave_rows
does (a pair's four codes: 3 bytes). 4.75 bytes per 8 weights: 0.59 B a weight.
"""
from __future__ import annotations

import numpy as np

from . import kernel_layout as kl
from .program import SCRATCH

NAME = "nm"
PAIRS = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))   # FC code order of (p0, p1)
FC_BLOCK = 4
FC_ENTRY = 8            # FC table: per pair of groups 36 entries of 8 bytes (both paths)
CODE_PAD = 3            # FC codes are read a word (blocks) or a halfword (rows left over)


def is_nm(w2d: np.ndarray) -> bool:
    """Every aligned group of four of every row (depth zero-padded) has at most two
    non-zeros."""
    n, k = w2d.shape
    nz = np.zeros((n, kl.pad_depth(k)), bool)
    nz[:, :k] = w2d != 0
    return bool((nz.reshape(n, -1, 4).sum(axis=2) <= 2).all())


def _positions(w2d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values, positions) [n][2P][2]: per group its non-zeros in order, completed by the
    first unused positions with value 0 (so p0 < p1 always)."""
    n, k = w2d.shape
    pairs = (k + 7) // 8
    w = np.zeros((n, 8 * pairs), np.int64)
    w[:, :k] = w2d
    groups = w.reshape(n, 2 * pairs, 4)
    # non-zeros first, each part in position order: a stable sort on "is zero"
    order = np.argsort(groups == 0, axis=2, kind="stable")[:, :, :2]
    pos = np.sort(order, axis=2)
    vals = np.take_along_axis(groups, pos, axis=2)
    return vals, pos


def encode(w2d: np.ndarray, kind: str) -> np.ndarray:
    """int8 [n][k] 2:4 rows -> the blob of the module docstring for `kind` "fc" or "conv"."""
    n = w2d.shape[0]
    vals, pos = _positions(np.asarray(w2d))
    a, b = vals[:, 0::2], vals[:, 1::2]                  # [n][P][2] groups 2t, 2t + 1
    words = np.stack([a[..., 0], a[..., 1], b[..., 0], b[..., 1]], axis=2)
    pa, pb = pos[:, 0::2], pos[:, 1::2]
    if kind == "conv":
        codes = (pa[..., 0] | pb[..., 0] << 2 | pa[..., 1] << 4 | pb[..., 1] << 6)
        return np.concatenate([words.reshape(-1), codes.reshape(-1)]).astype(np.uint8).view(
            np.int8)
    index = {p: i for i, p in enumerate(PAIRS)}
    combo = np.vectorize(lambda p0, p1: index[(p0, p1)], otypes=[np.int64])
    codes = combo(pa[..., 0], pa[..., 1]) + 6 * combo(pb[..., 0], pb[..., 1])   # [n][P]
    whole, pairs = n // FC_BLOCK * FC_BLOCK, codes.shape[1]
    blocked_w = words[:whole].reshape(-1, FC_BLOCK, pairs, 4).transpose(0, 2, 1, 3)
    blocked_c = codes[:whole].reshape(-1, FC_BLOCK, pairs).transpose(0, 2, 1)
    stream = np.concatenate([blocked_c.reshape(-1), codes[whole:].reshape(-1)])
    parts = [blocked_w.reshape(-1), words[whole:].reshape(-1), _pack6(stream)]
    return np.concatenate(parts).astype(np.uint8).view(np.int8)


def _pack6(codes: np.ndarray) -> np.ndarray:
    """6-bit codes as a little-endian bit stream (code i at bit 6i), plus CODE_PAD bytes."""
    bits = (codes[:, None] >> np.arange(6)) & 1
    raw = np.packbits(bits.reshape(-1).astype(np.uint8), bitorder="little")
    return np.concatenate([raw, np.zeros(CODE_PAD, np.uint8)])


def candidate(policy: str, w2d: np.ndarray, kind: str) -> np.ndarray | None:
    """The blob the policy asks to try ("nm" or "auto") for 2:4 rows, else None."""
    if policy not in ("auto", NAME) or not is_nm(w2d):
        return None
    return encode(w2d, kind)


def _record(f, blob: np.ndarray, kernel: str) -> None:
    """The blob replaces the dense weights; kernel, encoding and dense bytes recorded."""
    dense_bytes = f.layer.const_bytes
    f.p.weights = f.replace_const("w", "int8_t", blob)
    f.layer.kernel = kernel
    f.layer.encoding = NAME
    f.layer.dense_const_bytes = dense_bytes


def store_conv(f, blob: np.ndarray) -> None:
    """td_conv2d_nm_s8 for a td_conv2d_1x1_s8 / td_conv2d_im2col_s8 layer: the same
    column gathers for four pixels (two int16 column pairs), then a table per pixel quad
    of 16 entries of four words per pair of groups."""
    _record(f, blob, "td_conv2d_nm_s8")
    p = f.p
    k4 = kl.pad_depth(p.k_h * p.k_w * p.in_c)
    pairs = (k4 + 7) // 8
    # int8 staging (im2col), two pixel-pair columns (int16, whole pairs), the table
    f.layer.scratch = k4 + 2 * 4 * 8 * pairs + 256 * pairs


def store_fc(f, blob: np.ndarray) -> None:
    """td_fully_connected_nm_s8 for a td_fully_connected_rows4_s8 layer; scratch: the table
    of the input's 36 position combinations per pair of groups (both paths), read by the
    blocks of four rows only."""
    _record(f, blob, "td_fully_connected_nm_s8")
    if f.p.out_n >= FC_BLOCK:
        f.p.scratch = SCRATCH
        f.layer.scratch = 36 * FC_ENTRY * ((f.p.in_depth + 7) // 8)
