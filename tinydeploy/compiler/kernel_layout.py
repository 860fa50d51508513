"""Build-time preparation for the fast kernels: what an interpreter would compute at run
time, or never, computed once here.

Contract: every function is pure numpy, returns flat arrays ready to become C constants,
and documents the exact layout the C side reads (firmware/kernels/td_kernels.h).
"""
from __future__ import annotations

import numpy as np

RQ_WORDS = 2          # td_rq_t: mult, c_hi << 8 | rshift
MAX_RQ_SHIFT = 24     # the one-step form is exact for right shifts 1..24 (td_fixedpoint.h)
C_HI_LIMIT = 1 << 23  # td_rq_t's c_hi is a signed 24-bit field


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


def requant_wide(mult: int, shift: int, out_zp: int) -> list[int] | None:
    """td_rq64_t words (c_lo, c_hi, mult, e - 1) of one requantization (ADD/SUB's output),
    or None when it needs td_mbqm (no right shift, a left shift, or e > MAX_RQ_SHIFT)."""
    e = -int(shift)
    if int(mult) <= 0 or not 1 <= e <= MAX_RQ_SHIFT:
        return None
    c = (1 << 30) + (1 << (30 + e)) + int(out_zp) * (1 << (31 + e))
    lo_w = c & 0xFFFFFFFF
    return [lo_w - (1 << 32) if lo_w >= 1 << 31 else lo_w, c >> 32, int(mult), e - 1]


def _word(c_hi: int, r: int) -> int:
    return ((c_hi << 8) | r) - (1 << 32) * (c_hi < 0)


def lean_apply(acc: int, m: int, c_hi: int, r: int) -> int:
    """What td_rq_apply computes, on Python ints (c_lo = 2^30 implied)."""
    v = acc * m + (1 << 30) - (1 << 31) * (acc < 0) + (c_hi << 32)
    return (v >> 32) >> r


def _lean(m: int, e: int, zp: int) -> tuple[int, int, int, int] | None:
    """(mult, c_hi, r, 0) of the one-step form, if c_hi fits its 24 bits."""
    r = e - 1
    c_hi = (1 << (r - 1)) + zp * (1 << r)
    return (m, c_hi, r, 0) if r >= 1 and -C_HI_LIMIT <= c_hi < C_HI_LIMIT else None


def _first_at_least(f, lo: int, hi: int, v: int) -> int:
    """Smallest acc in [lo, hi] with f(acc) >= v (f non-decreasing, f(hi) >= v)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if f(mid) >= v:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _same_on(f, g, lo: int, hi: int) -> bool:
    """Whether two non-decreasing step functions agree on every integer of [lo, hi]:
    equal at both ends and stepping to each value at the same point."""
    if f(lo) != g(lo) or f(hi) != g(hi):
        return False
    return all(_first_at_least(f, lo, hi, v) == _first_at_least(g, lo, hi, v)
               for v in range(f(lo) + 1, f(hi) + 1))


def _q_range(points, mk: int, r: int, delta: int) -> tuple[int, int]:
    """[q_lo, q_hi]: the constants q = 2^30 + c_hi 2^32 with which lean_apply(a + delta,
    mk, c_hi, r), saturated, is v at every (a, v) of `points` (each bound is linear in q)."""
    d = 1 << (32 + r)
    sign = [((a + delta) < 0) << 31 for a, _ in points]
    q_lo = max(_bound(v, -128, d) - (a + delta) * mk + sg for (a, v), sg in zip(points, sign))
    q_hi = min(_bound(v + 1, 128, d) - (a + delta) * mk + sg
               for (a, v), sg in zip(points, sign)) - 1
    return q_lo, q_hi


def _c_hi_in(q_lo: int, q_hi: int) -> int | None:
    """The 24-bit c_hi with 2^30 + c_hi 2^32 in [q_lo, q_hi], if there is one."""
    c_hi = -(((1 << 30) - q_lo) // (1 << 32))          # the least with q >= q_lo
    ok = (1 << 30) + (c_hi << 32) <= q_hi and -C_HI_LIMIT <= c_hi < C_HI_LIMIT
    return c_hi if ok else None


def _deltas(points, mk: int, r: int, lo: int, hi: int):
    """(delta, c_hi) candidates: delta near 0, then lifts of the range above 0, where the
    sign term is gone and each further step of delta moves q by mk (2^16 tried)."""
    fine = (1 << 32) // mk + 2
    for delta in range(min(fine, max(0, -lo))):
        c_hi = _c_hi_in(*_q_range(points, mk, r, delta))
        if c_hi is not None:
            yield delta, c_hi
    lift = max(0, -lo)
    q_lo, q_hi = _q_range(points, mk, r, lift)
    for j in range(min(1 << 16, (1 << 31) - 1 - hi - lift)):
        c_hi = _c_hi_in(q_lo - j * mk, q_hi - j * mk)
        if c_hi is not None:
            yield lift + j, c_hi


def _reexpress(m: int, e: int, zp: int, lo: int, hi: int) -> tuple[int, int, int, int] | None:
    """(mult, c_hi, r, delta) of a one-step form with a 24-bit c_hi that, given acc + delta
    (the channel's accumulator start raised by delta), gives TFLM's output for acc after
    int8 saturation, on every acc of [lo, hi]: for a channel the direct form cannot take
    (a tiny scale with a large zero point: c_hi too wide; or e = 1: c_lo not 2^30).

    How: a shift r with a 24-bit c_hi and a multiplier m' near m 2^(r+1-e); for that m'
    and delta the outputs step at TFLM's accumulators iff q = 2^30 + c_hi 2^32 lies in an
    interval (every constraint is linear in q); delta fine-tunes it where c_hi is too
    coarse (_deltas). Checked again on every accumulator of the range."""
    def tflm(acc):
        return min(127, max(-128, mbqm(acc, m, -e) + zp))
    first, last = tflm(lo), tflm(hi)            # saturated: at most 255 steps
    steps = {_first_at_least(tflm, lo, hi, v) for v in range(first + 1, last + 1)}
    points = [(a, tflm(a)) for a in sorted({lo, hi} | steps | {t - 1 for t in steps})]
    top = next((r for r in range(min(e - 1, 23), 0, -1)
                if -C_HI_LIMIT <= (1 << (r - 1)) + zp * (1 << r) < C_HI_LIMIT), 0)
    for r in range(top, max(top - 2, -1), -1):
        near = (m << (r + 1)) >> e
        for mk in sorted(range(max(1, near - 4), min(near + 5, 1 << 31)),
                         key=lambda x: abs(x - near)):
            for delta, c_hi in _deltas(points, mk, r, lo, hi):
                def lean(a, mk=mk, c_hi=c_hi, r=r, delta=delta):
                    return min(127, max(-128, lean_apply(a + delta, mk, c_hi, r)))
                if _same_on(tflm, lean, lo, hi):
                    return mk, c_hi, r, delta
    return None


def _bound(v: int, edge: int, d: int) -> int:
    """v d, or no bound where v is the saturation edge (-128 from below, 128 from above)."""
    if v == edge:
        return -(1 << 80) if edge < 0 else 1 << 80
    return v * d


def requant_table(mult, shift, out_zp: int, acc_range=None
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """(td_rq_t per channel as int32 words mult, c_hi << 8 | r; and what to add to each
    channel's accumulator start, mostly 0), or None when a channel needs td_mbqm instead.

    With acc_range (lo, hi arrays: every accumulator a channel can see), a channel whose
    saturated output is one value over that range (a tiny scale: weights near zero) gets
    the constant encoding (multiplier 0), and one whose c_hi does not fit 24 bits may be
    re-expressed (_reexpress). None for a left shift, no shift (e = 1: c_lo would not be
    2^30), or a channel the table cannot express."""
    rows, deltas = [], []
    for ch, (m, s) in enumerate(zip(mult, shift)):
        m, e, zp = int(m), -int(s), int(out_zp)
        rng = None
        if acc_range is not None:
            rng = int(acc_range[0][ch]), int(acc_range[1][ch])
            if rng[0] < -(1 << 31) or rng[1] >= 1 << 31:
                rng = None
        got = _lean(m, e, zp) if m > 0 and 2 <= e <= MAX_RQ_SHIFT else None
        if got is None and m == 0:
            got = (0, 2 * zp + 1, 1, 0)
        elif got is None and rng is not None and m > 0 and e >= 1:
            ends = [min(127, max(-128, zp + mbqm(a, m, -e))) for a in rng]
            if ends[0] == ends[1]:                     # one int8 output over the range
                got = (0, 2 * ends[0] + 1, 1, 0)
            elif e <= MAX_RQ_SHIFT + 8:
                got = _reexpress(m, e, zp, *rng)
        if got is None or not -C_HI_LIMIT <= got[1] < C_HI_LIMIT:
            return None
        rows.append([got[0], _word(got[1], got[2])])
        deltas.append(got[3])
    return (np.asarray(rows, np.int64).astype(np.int32).reshape(-1),
            np.asarray(deltas, np.int64))


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
