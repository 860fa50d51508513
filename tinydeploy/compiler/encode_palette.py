"""Palette weight storage (issue 19, clustered models): each output channel's int8 weights
as packed 4-bit (16-entry tables) or 2-bit (4-entry tables) indices into a value table,
decoded inside td_fully_connected_palette_s8 / td_conv2d_1x1_palette_s8.

Contract: `encode(w2d)` gives the Palette of int8 rows [n][k] whose every row has at most
16 distinct values, else None. Channels share a table where their values fit in one
(clustering a layer to N values and quantizing per channel gives the same table to every
channel of the same scale); a layer stores one table, a uint8 table number per channel,
or one table per channel, whichever is smallest. `candidate(policy, w2d)` is that palette
when the policy asks to try it ("palette", "auto"); `apply_fc` / `apply_conv_1x1` switch a
layer the dense fast path laid out to the palette kernel, once lower/fastpath.py picked it
(forced, or under "auto" the smallest encoding that takes less flash than dense). The
decoded values are the int8 weights themselves, so acc0, rq and every integer sum stay
those of the dense layer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import ConvPaletteParams, FcPaletteParams
from .program import SCRATCH

NAME = "palette"
MAX_VALUES = 16
TILE_BYTES = 1024     # decoded 1x1-conv weights held in scratch at a time
PAIR_BYTES = 4096     # FC pair tables (DSP path) held in scratch at most


@dataclass
class Palette:
    bits: int                    # 4 or 2
    tables: np.ndarray           # int8 [n_tables][1 << bits]
    table_of: np.ndarray | None  # int8 (uint8 values) [n] or None
    table_step: int              # without table_of: channel c uses table c * table_step
    indices: np.ndarray          # int8 (packed bytes): [n][row_words * 4]

    @property
    def nbytes(self) -> int:
        extra = 0 if self.table_of is None else self.table_of.size
        return self.tables.size + extra + self.indices.size


def row_depth(k: int, bits: int) -> int:
    """Depth of an index row: k rounded up to a whole 32-bit word of indices."""
    per = 32 // bits
    return (k + per - 1) // per * per


def share_tables(sets: list[np.ndarray], size: int) -> tuple[list[np.ndarray], list[int]]:
    """Greedy: each channel's value set (largest first) joins the table that grows least
    while staying within `size` entries, else starts a new one."""
    tables: list[set] = []
    owner = [0] * len(sets)
    for c in sorted(range(len(sets)), key=lambda c: -len(sets[c])):
        vals = set(sets[c].tolist())
        best, grow = -1, size + 1
        for t, tab in enumerate(tables):
            g = len(vals - tab)
            if g < grow and len(tab) + g <= size:
                best, grow = t, g
                if g == 0:
                    break
        if best < 0:
            tables.append(set(vals))
            best = len(tables) - 1
        else:
            tables[best] |= vals
        owner[c] = best
    return [np.array(sorted(t), np.int64) for t in tables], owner


def _pack(idx: np.ndarray, bits: int) -> np.ndarray:
    """[n][kp] indices -> bytes, index j at bits (j * bits) % 8 of byte j * bits / 8."""
    per_byte = 8 // bits
    n, kp = idx.shape
    g = idx.reshape(n, kp // per_byte, per_byte).astype(np.uint32)
    shifts = (np.arange(per_byte) * bits).astype(np.uint32)
    packed = (g << shifts).sum(axis=2).astype(np.uint8)
    return packed.reshape(-1).view(np.int8)


def encode(w2d: np.ndarray) -> Palette | None:
    """The palette of int8 weight rows [n][k], or None if a row has more than 16 values."""
    sets = [np.unique(row) for row in w2d]
    most = max(s.size for s in sets)
    if most > MAX_VALUES:
        return None
    bits = 4 if most > 4 else 2
    size = 1 << bits
    n, k = w2d.shape
    shared, owner = share_tables(sets, size)
    per_channel = n * size
    if len(shared) == 1 or (len(shared) <= 256 and n + len(shared) * size < per_channel):
        tabs, which = shared, np.asarray(owner)
    else:
        tabs, which = sets, np.arange(n)
    table_rows = np.zeros((len(tabs), size), np.int8)
    for t, vals in enumerate(tabs):
        table_rows[t, :vals.size] = vals
    idx = np.zeros((n, row_depth(k, bits)), np.int64)
    for c in range(n):
        idx[c, :k] = np.searchsorted(tabs[which[c]], w2d[c].astype(np.int64))
    if len(tabs) == 1:
        table_of, step = None, 0
    elif len(tabs) == n and np.array_equal(which, np.arange(n)):
        table_of, step = None, 1
    else:
        table_of, step = which.astype(np.uint8).view(np.int8), 0
    return Palette(bits, table_rows.reshape(-1), table_of, step, _pack(idx, bits))


def candidate(policy: str, w2d: np.ndarray) -> Palette | None:
    """The palette the policy asks to try ("auto" or "palette") where every channel fits,
    else None."""
    return encode(w2d) if policy in ("auto", NAME) else None


def _store(f, pal: Palette) -> dict:
    """Swap the layer's weight constants for the palette's; the pointer fields."""
    layer = f.layer
    if layer.dense_const_bytes is None:
        layer.dense_const_bytes = layer.const_bytes
    layer.consts = [c for c in layer.consts if c.name != f.p.weights]
    layer.encoding = NAME
    return dict(indices=f.replace_const("pi", "int8_t", pal.indices),
                tables=f.replace_const("pt", "int8_t", pal.tables),
                table_of=None if pal.table_of is None
                else f.replace_const("pto", "int8_t", pal.table_of),
                bits=pal.bits, table_step=pal.table_step, acc0=f.p.acc0, rq=f.p.rq,
                scratch=SCRATCH)


def apply_fc(f, pal: Palette) -> None:
    """td_fully_connected_palette_s8 for a td_fully_connected_rows4_s8 layer."""
    p = f.p
    pairs = _pair_tables(pal, p.batches * p.out_n * p.in_depth)
    f.layer.kernel = "td_fully_connected_palette_s8"
    f.layer.params = FcPaletteParams(batches=p.batches, in_depth=p.in_depth, out_n=p.out_n,
                                     act_min=p.act_min, act_max=p.act_max,
                                     per_channel=p.per_channel, pair_tables=pairs,
                                     **_store(f, pal))
    # the int16 input column, then the pair tables
    f.layer.scratch = 2 * row_depth(p.in_depth, pal.bits) + (pairs * 4 << 2 * pal.bits)


def _pair_tables(pal: Palette, macs: int) -> int:
    """How many pair tables the FC kernel's DSP path builds (one per table, 4 B an entry,
    1 << 2 * bits entries: one lookup and one SMLAD per two weights instead of two
    lookups and a PKHBT), or 0: only for shared tables that fit PAIR_BYTES and whose
    building (about 6 instructions an entry, 1.5 saved a MAC) the MACs repay."""
    if pal.table_step == 1:
        return 0
    n = pal.tables.size >> pal.bits
    entries = n << 2 * pal.bits
    return n if 4 * entries <= PAIR_BYTES and 4 * entries <= macs else 0


def apply_conv_1x1(f, pal: Palette) -> None:
    """td_conv2d_1x1_palette_s8 for a td_conv2d_1x1_s8 layer."""
    p = f.p
    k4 = (p.in_c + 3) // 4 * 4
    tile = min(p.out_c, max(2, TILE_BYTES // k4 // 2 * 2))
    f.layer.kernel = "td_conv2d_1x1_palette_s8"
    f.layer.params = ConvPaletteParams(
        batches=p.batches, in_h=p.in_h, in_w=p.in_w, in_c=p.in_c, out_h=p.out_h,
        out_w=p.out_w, out_c=p.out_c, stride_h=p.stride_h, stride_w=p.stride_w,
        act_min=p.act_min, act_max=p.act_max, tile=tile, **_store(f, pal))
    # the decoded tile, then two pixels' int16 columns
    f.layer.scratch = tile * k4 + 4 * k4
