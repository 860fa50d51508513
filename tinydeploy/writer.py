"""The one place that writes generated files to disk."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_files(files: dict[str, str], out_dir: str | Path) -> list[Path]:
    """Write {relative_path: text} under out_dir; each file atomically. Returns the paths.

    Relative paths must stay inside out_dir (no absolute paths, no '..').
    """
    out = Path(out_dir)
    written = []
    for rel, text in sorted(files.items()):
        p = Path(rel)
        if p.is_absolute() or ".." in p.parts:
            raise ValueError(f"refusing to write outside the output directory: {rel}")
        dest = out / p
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".td-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(dest)
    return written
