"""The sparse weight blob (compiler/encode_sparse.py), decoded here as the kernels read it
(firmware/kernels/td_sparse.h): every row's entries give back its dense weights; gaps over
15 are bridged, rows padded to even counts, counts widen to 16 bits past 510 entries."""
import numpy as np
import pytest

from tinydeploy.compiler.encode_sparse import encode

pytestmark = pytest.mark.unit


def decode(blob: np.ndarray, rows: int, depth: int) -> tuple[np.ndarray, list[int]]:
    b = blob.view(np.uint8)
    head = int(b[:4].view("<u4")[0])
    wide, total = head >> 31, head & 0x7FFFFFFF
    counts = b[4:4 + rows * (1 + wide)].view("<u2" if wide else "u1").astype(int) * 2
    v0 = 4 + (rows * (1 + wide) + 3) // 4 * 4
    vals = blob[v0:v0 + total].astype(int)
    nib = b[v0 + total:]
    assert nib.size == total // 2 and counts.sum() == total
    gaps = np.stack([nib & 15, nib >> 4], axis=1).reshape(-1)
    out = np.zeros((rows, depth), int)
    i = 0
    for r, n in enumerate(counts):
        pos = 0
        for j in range(i, i + n):
            pos += int(gaps[j])
            assert pos < depth
            out[r, pos] += vals[j]
        i += n
    return out, list(counts)


@pytest.mark.parametrize("seed, depth, density", [(0, 37, 0.25), (1, 64, 0.1), (2, 600, 1.0),
                                                  (3, 5, 0.5)])
def test_blob_decodes_to_the_dense_rows(seed, depth, density):
    rng = np.random.default_rng(seed)
    w = rng.integers(-128, 128, (9, depth)) * (rng.random((9, depth)) < density)
    w[1] = 0                                 # an all-zero row
    w[2] = 0
    w[2, -1] = -7                            # one far non-zero: bridged gaps
    w = w.astype(np.int8)
    got, counts = decode(encode(w), *w.shape)
    np.testing.assert_array_equal(got, w)
    assert counts[1] == 0 and counts[2] == 2 * ((depth - 1) // 15 // 2 + 1)
    assert all(n % 2 == 0 for n in counts)
    assert (encode(w).view(np.uint8)[3] >> 7) == (max(counts) > 510)
