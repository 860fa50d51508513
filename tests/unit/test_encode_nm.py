"""The 2:4 weight blob (compiler/encode_nm.py), decoded here as the kernels read it
(td_fully_connected_nm_s8.c, td_conv2d_nm_s8.c): every row gives back its dense weights
(odd depths, groups of 0, 1 and 2 non-zeros, all-zero rows, FC rows in blocks of four and
left over); 5 bytes per 8 weights (FC: 4.75); rows that are not 2:4 are refused."""
import numpy as np
import pytest

from tinydeploy.compiler.encode_nm import CODE_PAD, PAIRS, candidate, encode, is_nm

pytestmark = pytest.mark.unit


def decode(blob: np.ndarray, n: int, k: int, kind: str) -> np.ndarray:
    pairs = (k + 7) // 8
    vals = blob[:4 * pairs * n].astype(int)
    codes = blob.view(np.uint8)[4 * pairs * n:].astype(int)
    if kind == "fc":                           # 6-bit codes, one little-endian bit stream
        assert codes.size == (6 * pairs * n + 7) // 8 + CODE_PAD
        bits = np.unpackbits(codes.astype(np.uint8), bitorder="little")
        codes = (bits[:6 * pairs * n].reshape(-1, 6) << np.arange(6)).sum(axis=1)
    else:
        assert codes.size == pairs * n
    out = np.zeros((n, 8 * pairs), int)
    blocks = n // 4 * 4 if kind == "fc" else 0
    for o in range(n):
        for t in range(pairs):
            if o < blocks:                     # FC block of four: row by row per pair
                b, r = o // 4 * 4, o % 4
                v = vals[4 * pairs * b + 16 * t + 4 * r:][:4]
                c = codes[pairs * b + 4 * t + r]
            else:
                v = vals[4 * pairs * o + 4 * t:][:4]
                c = codes[pairs * o + t]
            if kind == "fc":
                (p0a, p1a), (p0b, p1b) = PAIRS[c % 6], PAIRS[c // 6]
            else:
                p0a, p0b, p1a, p1b = c & 3, (c >> 2) & 3, (c >> 4) & 3, c >> 6
            assert p0a != p1a and p0b != p1b
            for p, val in ((p0a, v[0]), (p1a, v[1]), (4 + p0b, v[2]), (4 + p1b, v[3])):
                out[o, 8 * t + p] += val
    assert not out[:, k:].any()
    return out[:, :k]


def pruned(rng, n: int, k: int, keep: int = 2) -> np.ndarray:
    w = rng.integers(-128, 128, (n, (k + 7) // 8 * 8))
    g = w.reshape(n, -1, 4)
    np.put_along_axis(g, np.argsort(rng.random(g.shape), axis=2)[:, :, :4 - keep], 0, axis=2)
    return g.reshape(n, -1)[:, :k].astype(np.int8)


@pytest.mark.parametrize("kind", ["fc", "conv"])
@pytest.mark.parametrize("seed, n, k", [(0, 24, 37), (1, 10, 24), (2, 7, 3), (3, 5, 45),
                                         (4, 4, 16)])
def test_blob_decodes_to_the_dense_rows(kind, seed, n, k):
    rng = np.random.default_rng(seed)
    w = pruned(rng, n, k)
    w[1] = 0                                  # an all-zero row
    w[2] = pruned(rng, 1, k, keep=1)[0]       # one non-zero per group
    w[3, :] = 0
    w[3, -1] = 5                              # a single non-zero
    assert is_nm(w)
    blob = encode(w, kind)
    pairs = n * ((k + 7) // 8)
    assert blob.size == (5 * pairs if kind == "conv" else 4 * pairs + (6 * pairs + 7) // 8 + 3)
    np.testing.assert_array_equal(decode(blob, n, k, kind), w)


def test_rows_that_are_not_2_4_are_refused():
    w = pruned(np.random.default_rng(4), 6, 16)
    w[5, 8:11] = 3                            # three non-zeros in one group
    assert not is_nm(w)
    assert candidate("nm", w, "fc") is None and candidate("auto", w, "conv") is None
    assert candidate("dense", w[:5], "fc") is None
    assert candidate("nm", w[:5], "fc") is not None


@pytest.mark.parametrize("kind", ["fc", "conv"])
def test_fewer_rows_than_a_block(kind):
    w = pruned(np.random.default_rng(5), 3, 20)
    np.testing.assert_array_equal(decode(encode(w, kind), 3, 20, kind), w)
