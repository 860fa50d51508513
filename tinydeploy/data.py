"""Load user data files (.npz / .npy) for calibration and evaluation. No TensorFlow here.

Contract: `load_arrays(path)` returns `(x, y_or_None, description)` or raises DataError with
one line saying what is wrong and what to do. Pickles are never loaded (allow_pickle=False).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .errors import DataError

# Which x/y pair to use, best first: held-out data beats training data for calibration and
# evaluation reports, and a plain `x` is what a user saves on purpose.
_PAIRS = (("x_test", "y_test"), ("x_val", "y_val"), ("x", "y"), ("x_train", "y_train"))
_MAGIC = {".npz": b"PK", ".npy": b"\x93NUMPY"}
_HOW = ("save it with np.savez(path, x=samples, y=labels) "
        "or np.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)")


def load_arrays(path) -> tuple[np.ndarray, np.ndarray | None, str]:
    """Return (x, y or None, description like "data.npz:x_test") from a .npz or .npy file.

    .npz: uses x_test/y_test, else x_val/y_val, else x/y, else x_train/y_train (y optional).
    .npy: the array is x, no labels. Labels are returned as stored (class ids or one-hot).
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"data file not found: {p}; pass a .npz (x/y arrays) or .npy file")
    if p.is_dir():
        raise DataError(f"{p} is a directory; pass a .npz or .npy data file")
    ext = p.suffix.lower()
    if ext in _MAGIC:
        # numpy falls back to unpickling unknown bytes, so a truncated or foreign file would be
        # reported as "pickled data"; check the container magic first for a truthful message.
        with open(p, "rb") as f:
            head = f.read(len(_MAGIC[ext]))
        if head != _MAGIC[ext]:
            kind = "a zip archive" if ext == ".npz" else "a numpy .npy file"
            raise DataError(f"{p.name} is not {kind} (corrupt or wrong extension); {_HOW}")
    if ext == ".npy":
        x = _read(p, lambda: np.load(p, allow_pickle=False))
        return check_arrays(x, None, p.name, p.name, None)
    if ext != ".npz":
        raise DataError(f"{p.name}: unknown data file type '{p.suffix or '(none)'}'; "
                        f"use .npz or .npy ({_HOW})")
    with _read(p, lambda: np.load(p, allow_pickle=False)) as npz:
        keys = list(npz.files)
        for xk, yk in _PAIRS:
            if xk in keys:
                x = _read(p, lambda k=xk: npz[k])
                y = _read(p, lambda k=yk: npz[k]) if yk in keys else None
                return check_arrays(x, y, f"{p.name}:{xk}", f"{p.name}:{xk}", f"{p.name}:{yk}")
    found = ", ".join(keys) if keys else "no arrays"
    raise DataError(f"{p.name} has none of the keys x, x_train, x_val, x_test "
                    f"(found: {found}); {_HOW}")


def _read(p: Path, load):
    """Run a numpy load step, turning its failures into one-line DataErrors."""
    try:
        return load()
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DataError(f"{p.name} contains Python objects (pickled arrays); tinydeploy "
                            "never loads pickles: save plain numeric arrays") from None
        raise DataError(f"{p.name}: not a readable numpy file ({exc}); {_HOW}") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{p.name}: cannot read it as numpy data "
                        f"({type(exc).__name__}: {exc}); {_HOW}") from None


def check_arrays(x, y, desc, xname, yname):
    """Validate dtypes and lengths; return (x, y, desc)."""
    for arr, name in ((x, xname), (y, yname)):
        if arr is None:
            continue
        if arr.dtype.kind not in "biuf":  # object, string, complex, datetime, structured
            raise DataError(f"{name} has dtype {arr.dtype}; save numeric arrays "
                            "(float or int samples, int or one-hot labels)")
        if arr.ndim == 0 or arr.shape[0] == 0:
            raise DataError(f"{name} is empty (shape {arr.shape}); it needs at least one "
                            "sample along the first axis")
    if y is not None and len(y) != len(x):
        raise DataError(f"{xname} has {len(x)} samples but {yname} has {len(y)} labels; "
                        "they must have the same length")
    return x, y, desc


def top1(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 accuracy of outputs [N, ...] against class ids or one-hot labels."""
    pred = outputs.reshape(outputs.shape[0], -1).argmax(axis=1)
    y = labels.argmax(axis=1) if labels.ndim == 2 and labels.shape[1] > 1 else labels.reshape(-1)
    if y.shape[0] != pred.shape[0]:
        raise DataError(f"{y.shape[0]} labels for {pred.shape[0]} inputs")
    return float(np.mean(pred == y.astype(np.int64)))
