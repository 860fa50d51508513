"""The one place that writes result files to disk, each atomically: a temp file in the same
directory renamed over the target, so a failed run never leaves a partial file."""
from __future__ import annotations

import contextlib
import os
import secrets
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
