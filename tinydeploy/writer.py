"""The one place that writes result files to disk, each atomically: a temp file in the same
directory renamed over the target, so a failed run never leaves a partial file. A path
that cannot be written is an OutputError (one line), not an OSError."""
from __future__ import annotations

import contextlib
import io
import os
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path

from .errors import OutputError


def _cannot_write(path: Path, exc: OSError) -> OutputError:
    why = exc.strerror or str(exc) or type(exc).__name__
    if isinstance(exc, (NotADirectoryError, FileExistsError)):
        why = "a file is in the way of that directory"
    return OutputError(f"cannot write {path}: {why}; choose another output path")


def _mkdir(d: Path) -> None:
    if d.exists() and not d.is_dir():
        raise OutputError(f"{d} exists and is not a directory; choose another output path")
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_write(d, exc) from None


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write data to path atomically (POSIX rename); creates the parent directory."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a directory; give a file path")
    _mkdir(path.parent)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _cannot_write(path, exc) from None
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
    _mkdir(path.parent)
    tmp = path.parent / f".{path.stem}.{secrets.token_hex(4)}.part{path.suffix}"
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_files(files: Mapping[str, str | bytes], out_dir: str | Path) -> list[Path]:
    """Write {relative_path: text or bytes} under out_dir, each file atomically (text as
    UTF-8). Returns the paths.

    Relative paths must stay inside out_dir (no absolute paths, no '..').
    """
    out = Path(out_dir)
    _mkdir(out)
    written = []
    for rel, text in sorted(files.items()):
        p = Path(rel)
        if p.is_absolute() or ".." in p.parts:
            raise ValueError(f"refusing to write outside the output directory: {rel}")
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        written.append(write_bytes_atomic(out / p, data))
    return written
