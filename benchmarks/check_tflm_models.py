"""Every model of a directory (TFLite Micro's own, by default) through tinydeploy.

Usage: python benchmarks/check_tflm_models.py [DIR] [--random N]

DIR defaults to ../shared/models/tflm beside the repository (all 144; tests/data/tflm holds
143 of them: all but the 4 MB PyTorch MobileNetV2). Each model goes through
tests/tflm_check.py's check (compiled; an accepted one run on the host on N random inputs
against tflite_micro). One line per model: `exact`, `refused` (the reason), `MALFORMED`
(must not happen for a model TFLite Micro runs), `DIFFERS` or `ERROR`; then the counts.
Exits 1 if any model is MALFORMED, DIFFERS or ERROR.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]     # this checkout's tinydeploy, the oracle

from tflm_check import BAD, check  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "models" / "tflm"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--random", type=int, default=4, help="random inputs per model")
    a = ap.parse_args()
    paths = sorted(a.dir.glob("*.tflite"))
    if not paths:
        print(f"no .tflite files in {a.dir}", file=sys.stderr)
        return 2
    counts: Counter = Counter()
    for p in paths:
        outcome, detail = check(p, a.random)
        counts[outcome] += 1
        print(f"{outcome:9} {p.stem}: {detail}", flush=True)
    print(f"{len(paths)} models: " + ", ".join(
        f"{counts[k]} {k}" for k in ("exact", "refused") + BAD))
    return 1 if any(counts[k] for k in BAD) else 0


if __name__ == "__main__":
    sys.exit(main())
