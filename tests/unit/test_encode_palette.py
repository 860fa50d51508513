"""compiler/encode_palette.py: the packed indices and tables decode to the int8 weights
exactly; table sharing, index width and the choice of table addressing."""
import numpy as np
import pytest

from tinydeploy.compiler import encode_palette as ep

pytestmark = pytest.mark.unit


def _decode(pal: ep.Palette, n: int, k: int) -> np.ndarray:
    """The weights the kernels read: td_kernels.h's layout, in numpy."""
    size = 1 << pal.bits
    tables = pal.tables.reshape(-1, size)
    per_byte = 8 // pal.bits
    raw = pal.indices.view(np.uint8).reshape(n, -1)
    idx = (raw[:, :, None] >> (np.arange(per_byte) * pal.bits)) & (size - 1)
    idx = idx.reshape(n, -1)[:, :k]
    if pal.table_of is not None:
        which = pal.table_of.view(np.uint8).astype(int)
    else:
        which = np.arange(n) * pal.table_step
    return np.stack([tables[which[c]][idx[c]] for c in range(n)])


def _clustered(n, k, values, seed, shared=True):
    rng = np.random.default_rng(seed)
    if shared:
        cent = rng.choice(np.arange(-127, 128), values, replace=False)
        return rng.choice(cent, (n, k)).astype(np.int8)
    return np.stack([rng.choice(rng.choice(np.arange(-127, 128), values, replace=False), k)
                     for _ in range(n)]).astype(np.int8)


@pytest.mark.parametrize("n,k,values,shared", [(8, 37, 16, True), (5, 61, 4, True),
                                               (9, 13, 16, False), (300, 20, 16, False),
                                               (6, 8, 3, False)])
def test_indices_and_tables_decode_to_the_weights(n, k, values, shared):
    w = _clustered(n, k, values, seed=n + k, shared=shared)
    pal = ep.encode(w)
    assert pal is not None and pal.bits == (4 if values > 4 else 2)
    assert pal.indices.size == n * ep.row_depth(k, pal.bits) * pal.bits // 8
    assert pal.indices.size % (4 * n) == 0                     # rows of whole words
    np.testing.assert_array_equal(_decode(pal, n, k), w)


def test_a_row_of_more_than_16_values_has_no_palette():
    w = np.tile(np.arange(-8, 9, dtype=np.int8), (3, 1))      # 17 values
    assert ep.encode(w) is None


def test_one_shared_table_needs_no_table_numbers():
    pal = ep.encode(_clustered(16, 40, 16, seed=1))
    assert pal.table_of is None and pal.table_step == 0 and pal.tables.size == 16


def test_tables_per_channel_when_none_can_be_shared():
    pal = ep.encode(_clustered(12, 40, 16, seed=2, shared=False))
    assert pal.table_of is None and pal.table_step == 1 and pal.tables.size == 12 * 16


def test_subsets_share_their_superset_table():
    full = np.arange(-8, 8, dtype=np.int8)
    w = np.stack([full, full[::2].repeat(2), full[:3].repeat(6)[:16], full[::-1]])
    pal = ep.encode(w)
    assert pal.tables.size == 16 and pal.table_of is None
    np.testing.assert_array_equal(_decode(pal, 4, 16), w)
