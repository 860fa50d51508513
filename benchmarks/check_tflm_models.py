"""Every model of a directory (TFLite Micro's own, by default) through tinydeploy.

Usage: python benchmarks/check_tflm_models.py [DIR] [--random N]

DIR defaults to ../shared/models/tflm beside the repository. Each .tflite is compiled with
compile_model; an accepted model's generated C runs on the host (as `predict` does) on N
random inputs and is compared with tflite_micro. One line per model: `exact` (accepted and
bit-exact), `refused` (a one-line refusal that is not "malformed": the reason),
`MALFORMED` (the verifier called it damaged: must not happen for a model TFLite Micro
runs), `DIFFERS` or `ERROR` (anything else: a traceback class, a host or oracle failure);
then the counts. Exits 1 if any model is MALFORMED, DIFFERS or ERROR.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]     # this checkout's tinydeploy, the oracle

from tinydeploy.compiler.boundary import describe  # noqa: E402
from tinydeploy.compiler.compiled import compile_model  # noqa: E402
from tinydeploy.compiler.hostrun import HostModel  # noqa: E402
from tinydeploy.errors import ModelError  # noqa: E402

from oracle import run_tflm  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "models" / "tflm"
BAD = ("MALFORMED", "DIFFERS", "ERROR")


def random_inputs(c, n: int, seed: int = 0) -> list[np.ndarray]:
    """n random samples per model input, batch first, in the input's dtype: the full int
    range, or for a float input values the on-device QUANTIZE maps over the int8 range."""
    rng = np.random.default_rng(seed)
    xs = []
    for d in describe(c.graph)["inputs"]:
        shape = (n,) + tuple(d["shape"][1:] if len(d["shape"]) > 1 and d["shape"][0] == 1
                             else d["shape"])
        if d["dtype"] == "float32":
            conv = d["on_device"]
            scale = float(np.ravel(conv["int8_scale"])[0]) if conv else 1.0 / 128
            zp = int(np.ravel(conv["int8_zero_point"])[0]) if conv else 0
            xs.append(((rng.uniform(-128, 127, shape) - zp) * scale).astype(np.float32))
        else:
            info = np.iinfo(d["dtype"])
            xs.append(rng.integers(info.min, info.max, shape, endpoint=True, dtype=d["dtype"]))
    return xs


def check(path: Path, n: int) -> tuple[str, str]:
    """(outcome, detail) of one model; see the module docstring."""
    try:
        c = compile_model(path)
    except ModelError as exc:
        msg = str(exc).removeprefix(f"{path}: ")
        return ("MALFORMED" if "the model is malformed" in msg else "refused"), msg
    except Exception as exc:  # a compiler bug: reported, the run goes on
        return "ERROR", f"compile: {type(exc).__name__}: {exc}"
    try:
        xs = random_inputs(c, n)
        hm = HostModel(c.program, c.plan, c.tflite_bytes)
        try:
            ours = hm.run_all(xs)
        finally:
            hm.close()
        ref = run_tflm(path, xs)
    except Exception as exc:
        return "ERROR", f"run: {type(exc).__name__}: {str(exc)[:300]}"
    differ = sum(int(np.count_nonzero(o != np.asarray(r).reshape(o.shape)))
                 for o, r in zip(ours, ref))
    if differ:
        return "DIFFERS", f"{differ} output values differ from tflite_micro on {n} inputs"
    return "exact", f"bit-exact with tflite_micro on {n} random inputs"


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
