"""scikit-learn's bundled 8x8 digits as the tf tests' training data (nothing downloaded)."""
from pathlib import Path

import numpy as np


def write_digits(work: Path) -> tuple[Path, dict]:
    """work/digits.npz (x_train/y_train/x_test/y_test, 8x8x1 in [0, 1], 360 held out) and
    the arrays."""
    from sklearn.datasets import load_digits
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[..., None]
    y = d.target.astype(np.int64)
    idx = np.random.default_rng(0).permutation(len(x))
    x, y = x[idx], y[idx]
    arrays = dict(x_train=x[360:], y_train=y[360:], x_test=x[:360], y_test=y[:360])
    np.savez(work / "digits.npz", **arrays)
    return work / "digits.npz", arrays
