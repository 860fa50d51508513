"""The sparse-palette weight blob (compiler/encode_sparse_palette.py), decoded here as the
kernels read it (firmware/kernels/td_sparse.h): one byte an entry (gap, table index);
every row's entries give back its dense weights; one table, or a table per group of rows
when the layer's non-zero values do not fit one; none when a row has over 15 values."""
import numpy as np
import pytest

from tinydeploy.compiler.encode_sparse_palette import encode

pytestmark = pytest.mark.unit


def decode(blob: np.ndarray, rows: int, depth: int) -> tuple[np.ndarray, int]:
    b = blob.view(np.uint8)
    head = int(b[:4].view("<u4")[0])
    wide, total = head >> 31, head & 0x7FFFFFFF
    counts = b[4:4 + rows * (1 + wide)].view("<u2" if wide else "u1").astype(int) * 2
    q = 4 + (rows * (1 + wide) + 3) // 4 * 4
    nt = int(b[q:q + 4].view("<u4")[0])
    q += 4
    table_of = b[q:q + rows].astype(int) if nt > 1 else np.zeros(rows, int)
    q += (rows + 3) // 4 * 4 if nt > 1 else 0
    tables = blob[q:q + 16 * nt].astype(int).reshape(nt, 16)
    entries = b[q + 16 * nt:]
    assert entries.size == total == counts.sum()
    out = np.zeros((rows, depth), int)
    i = 0
    for r, n in enumerate(counts):
        pos = 0
        for e in entries[i:i + n]:
            pos += int(e) & 15
            assert pos < depth
            out[r, pos] += tables[table_of[r], int(e) >> 4]
        i += n
    return out, nt


@pytest.mark.parametrize("seed, depth, scales", [(0, 37, 1), (1, 64, 3), (2, 300, 1),
                                                 (3, 5, 2)])
def test_blob_decodes_to_the_dense_rows(seed, depth, scales):
    rng = np.random.default_rng(seed)
    centroids = np.array([-5, -3, -1, 2, 4, 6, 9])               # a clustered layer
    rows = [rng.choice(centroids, depth) * (1 + r % scales) * (rng.random(depth) < 0.3)
            for r in range(9)]
    w = np.array(rows).astype(np.int8)
    w[1] = 0                                                     # an all-zero row
    w[2] = 0
    w[2, -1] = -7                                                # one far non-zero
    got, nt = decode(encode(w), *w.shape)
    np.testing.assert_array_equal(got, w)
    assert (nt == 1) == (np.unique(w[w != 0]).size <= 15)       # else a table per scale
    assert encode(w).size < 1.2 * np.count_nonzero(w) + 120


def test_a_row_with_more_than_15_values_has_no_blob():
    w = np.arange(1, 17, dtype=np.int8).reshape(1, 16)
    assert encode(w) is None
    assert encode(w[:, :15]) is not None
