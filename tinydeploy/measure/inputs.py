"""Input sets for on-device checks: arrays or MLPerf Tiny .bin directories, converted to
what the device's `db` buffer takes and to the int8 tensor the host reference runs.

Contract: `load_input_set(path, input_mode, in_shape, scale, zero_point)` returns a list of
Sample(db, int8, label) where `db` is the bytes to send with `db load`, `int8` the model
input the device makes of them, and `label` the true class or None.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..compiler.quant import quantize_inputs
from ..data import load_arrays
from ..errors import DataError


@dataclass
class Sample:
    db: bytes
    int8: np.ndarray
    label: int | None


def _device_int8(db: bytes, mode: str, in_shape, scale, zp) -> np.ndarray:
    per = tuple(in_shape[1:])
    if mode == "uint8-offset":
        return (np.frombuffer(db, np.uint8).astype(np.int16) - 128).astype(np.int8).reshape(per)
    if mode == "float32":
        return quantize_inputs(np.frombuffer(db, "<f4").reshape((1,) + per), in_shape, scale, zp)[0]
    return np.frombuffer(db, np.int8).reshape(per)


def _from_bins(d: Path) -> tuple[list[bytes], list[int | None]]:
    labels_csv = d / "y_labels.csv"
    if labels_csv.exists():
        rows = [r for r in csv.reader(labels_csv.open()) if r]
        try:
            names, labels = [r[0] for r in rows], [int(r[2]) if len(r) > 2 else None for r in rows]
        except ValueError:
            raise DataError(f"{labels_csv}: expected rows 'file,n_classes,true_class'") from None
    else:
        names = sorted(p.name for p in d.glob("*.bin"))
        labels = [None] * len(names)
    if not names:
        raise DataError(f"{d}: no .bin inputs (and no y_labels.csv naming them)")
    blobs = []
    for n in names:
        p = d / n
        if not p.is_file():
            raise DataError(f"{labels_csv}: lists {n}, which is not in {d}")
        blobs.append(p.read_bytes())
    return blobs, labels


def _check_uint8(x: np.ndarray, p: Path) -> None:
    """An integer array for a uint8 input must hold 0..255 (a clip would hide it)."""
    if x.dtype.kind not in "iu":
        return
    out = (x < 0) | (x > 255)
    if out.any():
        idx = tuple(int(i) for i in np.argwhere(out)[0])
        raise DataError(f"{p}: value {x[idx].item()!r} at index {list(idx)} is outside the "
                        f"uint8 input's range 0..255 ({int(out.sum())} such values); fix the data")


def load_input_set(path, input_mode: str, in_shape, scale: float, zero_point: int,
                   limit: int | None = None) -> list[Sample]:
    """See the module docstring. input_mode: 'int8', 'uint8-offset' or 'float32'."""
    p = Path(path)
    per = int(np.prod(in_shape[1:]))
    db_size = per * (4 if input_mode == "float32" else 1)
    if p.is_dir():
        blobs, labels = _from_bins(p)
    else:
        x, y, _ = load_arrays(p)
        x = np.asarray(x)
        if x.size % per or x.shape[0] * per != x.size:
            raise DataError(f"{p}: inputs of shape {list(x.shape)} do not hold "
                            f"{list(in_shape[1:])} per sample")
        x = x.reshape((x.shape[0], per))
        if input_mode == "float32":
            blobs = [row.astype("<f4").tobytes() for row in x]
        elif input_mode == "uint8-offset":
            _check_uint8(x, p)
            blobs = [np.clip(row, 0, 255).astype(np.uint8).tobytes() for row in x]
        else:
            q = x if x.dtype == np.int8 else quantize_inputs(x, (1, per), scale, zero_point,
                                                             str(p))
            blobs = [row.tobytes() for row in q]
        labels = [None] * len(blobs) if y is None else [
            int(v) for v in (np.asarray(y).argmax(1) if np.asarray(y).ndim == 2 else np.asarray(y))]
    if limit is not None:
        blobs, labels = blobs[:limit], labels[:limit]
    out = []
    for b, lab in zip(blobs, labels):
        if len(b) != db_size:
            raise DataError(f"an input holds {len(b)} bytes; the device takes {db_size} "
                            f"({input_mode} input of shape {list(in_shape[1:])})")
        out.append(Sample(b, _device_int8(b, input_mode, in_shape, scale, zero_point), lab))
    return out
