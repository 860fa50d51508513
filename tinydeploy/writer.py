"""The one place that writes result files to disk, each atomically: a temp file in the same
directory renamed over the target, so a failed run never leaves a partial file."""
from __future__ import annotations

import contextlib
import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write data to path atomically (POSIX rename); creates the parent directory."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def write_npy_atomic(path: str | Path, arr) -> Path:
    """Save one numpy array as .npy atomically."""
    import numpy as np
    buf = io.BytesIO()
    np.save(buf, arr)
    return write_bytes_atomic(path, buf.getvalue())


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path` (same suffix) for writers that need a file name, such
    as Keras' model.save; renamed over `path` when the block succeeds, removed otherwise."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.stem}.{secrets.token_hex(4)}.part{path.suffix}"
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_files(files: dict[str, str], out_dir: str | Path) -> list[Path]:
    """Write {relative_path: text} under out_dir, each file atomically. Returns the paths.

    Relative paths must stay inside out_dir (no absolute paths, no '..').
    """
    out = Path(out_dir)
    written = []
    for rel, text in sorted(files.items()):
        p = Path(rel)
        if p.is_absolute() or ".." in p.parts:
            raise ValueError(f"refusing to write outside the output directory: {rel}")
        written.append(write_bytes_atomic(out / p, text.encode("utf-8")))
    return written
