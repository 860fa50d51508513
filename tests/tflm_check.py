"""One model of TFLite Micro's repository (tests/data/tflm, or any directory) through
tinydeploy: compiled, and where accepted run on the host (as `predict` does) on random
inputs against tflite_micro. Shared by tests/host_c/test_tflm_models.py and
benchmarks/check_tflm_models.py.

`check(path, n)` returns (outcome, detail): `exact` (accepted and bit-exact), `refused` (a
one-line refusal that is not "malformed"), `MALFORMED` (the verifier called it damaged),
`DIFFERS` or `ERROR` (anything else: a traceback class, a host or oracle failure).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from tinydeploy.compiler.boundary import describe
from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.hostrun import HostModel
from tinydeploy.errors import ModelError

from oracle import run_tflm

VENDORED = Path(__file__).resolve().parent / "data" / "tflm"
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
