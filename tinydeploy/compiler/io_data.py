"""Data files for models with several inputs/outputs (and float32 or int32 ones).

Contract: `load_model_inputs(path, graph)` returns (one batch-first array per model input,
in that input's dtype; labels or None; description). A single-input model takes what
`data.load_arrays` takes (.npy, or .npz with x / x_test / ...); any model takes an .npz
keyed by input name (the tensor name, or without the converter's `serving_default_` / `:0`),
or by index "0", "1", ...; `y` is the labels. Real-valued arrays for an int8 input are
quantized with its parameters; float32 inputs take real values as they are. A missing or
extra key, a wrong shape, differing batch sizes, NaN or infinity, an integer array (other
than int8) for an int8 input holding a value the input cannot represent (it would be
clamped) are one-line DataErrors naming the file, index and value; with clamp=True such
values are clamped and the description says how many. Float arrays are quantized as
TFLite does, clamping included.
`save_model_outputs(path, graph, outputs)` writes .npy (single output) or .npz keyed by
output name (output_keys: short names, tensor names or indices, whichever are unique).
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from ..data import load_arrays
from ..errors import DataError, printable
from ..writer import write_bytes_atomic, write_npy_atomic
from .boundary import np_dtype
from .ir import Graph
from .quant import check_finite, out_of_int8, quantize_inputs

_LABEL_KEYS = ("y", "y_test", "labels")


def short_name(name: str) -> str:
    """The converter's input/output tensor name without `serving_default_` and `:N`."""
    return re.sub(r":\d+$", "", re.sub(r"^serving_default_", "", name))


def _convert(x: np.ndarray, t, what: str, clamp: bool = False) -> tuple[np.ndarray, int]:
    per = tuple(t.shape[1:])
    size = int(np.prod(per, dtype=np.int64))
    if x.dtype.kind not in "biuf":
        raise DataError(f"{what} has dtype {x.dtype}; give int8 or real-valued arrays")
    check_finite(x, what)
    if t.dtype == "int8":
        try:
            q = quantize_inputs(x, t.shape, t.scale, t.zero_point, None if clamp else what,
                                "fix the data, or clamp them with --clamp-inputs")
        except DataError as exc:
            raise DataError(str(exc) if str(exc).startswith(what) else f"{what}: {exc}") from None
        return q, out_of_int8(x, t.scale, t.zero_point) if clamp else 0
    if x.shape == per:
        x = x[None]
    if x.ndim < 1 or x.size != x.shape[0] * size:
        raise DataError(f"{what} has shape {list(x.shape)}; the model input takes "
                        f"{list(per)} per sample (give [N, {', '.join(map(str, per))}])")
    return x.reshape((x.shape[0],) + per).astype(np_dtype(t.dtype)), 0


def _keyed(p: Path, g: Graph) -> tuple[list[np.ndarray], np.ndarray | None] | None:
    """Arrays keyed by input name/index, or None when the file is not keyed that way."""
    if p.suffix.lower() != ".npz" or not p.is_file():
        return None
    try:
        npz = np.load(p, allow_pickle=False)
    except Exception:
        return None                  # load_arrays gives the one-line reason
    with npz:
        keys = list(npz.files)
        arrays: list[np.ndarray | None] = []
        used = set()
        for k, ti in enumerate(g.inputs):
            name = g.t(ti).name
            hit = [c for c in (name, short_name(name), str(k)) if c in keys]
            if not hit:
                arrays.append(None)
                continue
            used.add(hit[0])
            arrays.append(npz[hit[0]])
        if all(a is None for a in arrays) and len(g.inputs) == 1:
            return None              # a plain x / x_test file
        missing = [f"{k} '{printable(g.t(ti).name)}'" for k, (ti, a) in enumerate(zip(g.inputs, arrays))
                   if a is None]
        if missing:
            raise DataError(f"{p.name}: no array for model input {', '.join(missing)} (keys: "
                            f"{', '.join(keys) or 'none'}); key each input by its name or index")
        label_key = next((k for k in _LABEL_KEYS if k in keys), None)
        extra = [k for k in keys if k not in used and k != label_key]
        if extra:
            raise DataError(f"{p.name}: key '{printable(extra[0])}' is not a model input (inputs: "
                            + ", ".join(f"{k} '{printable(short_name(g.t(ti).name))}'"
                                        for k, ti in enumerate(g.inputs)) + ")")
        found = [a for a in arrays if a is not None]      # all of them, past `missing`
        return found, (npz[label_key] if label_key else None)


def load_model_inputs(path, g: Graph, clamp: bool = False
                      ) -> tuple[list[np.ndarray], np.ndarray | None, str]:
    """See the module docstring."""
    p = Path(path)
    keyed = _keyed(p, g)
    if keyed is None:
        if len(g.inputs) != 1:
            if p.suffix.lower() == ".npz":
                load_arrays(p)           # a corrupt file says so first
            raise DataError(f"{p.name}: the model has {len(g.inputs)} inputs; give an .npz "
                            "keyed by input name or index ('0', '1', ...)")
        x, y, desc = load_arrays(p)
        arrays = [np.asarray(x)]
    else:
        arrays, y = keyed
        desc = f"{p.name}: {len(arrays)} inputs by name"
    conv = [_convert(np.asarray(a), g.t(ti), f"{p.name}: input {k} '{printable(g.t(ti).name)}'",
                     clamp) for k, (a, ti) in enumerate(zip(arrays, g.inputs))]
    out = [a for a, _ in conv]
    clamped = sum(n for _, n in conv)
    if clamped:
        desc += f"; {clamped} value{'s' if clamped != 1 else ''} clamped to the input's range"
    n = {a.shape[0] for a in out}
    if len(n) != 1:
        raise DataError(f"{p.name}: the inputs hold different numbers of samples "
                        f"({', '.join(str(a.shape[0]) for a in out)})")
    if y is not None and len(y) != out[0].shape[0]:
        raise DataError(f"{p.name}: {out[0].shape[0]} inputs but {len(y)} labels")
    return out, y, desc


def output_keys(g: Graph) -> list[str]:
    """The .npz keys of the outputs: short names if unique, else tensor names, else indices."""
    for names in ([short_name(g.t(ti).name) for ti in g.outputs],
                  [g.t(ti).name for ti in g.outputs]):
        if len(set(names)) == len(names) and all(names):
            return names
    return [str(k) for k in range(len(g.outputs))]


def check_output_path(path, g: Graph) -> None:
    """Refuse, before anything runs, an output path that cannot hold every output."""
    p = Path(path)
    if p.suffix.lower() == ".npy" and len(g.outputs) != 1:
        raise DataError(f"{p.name}: the model has {len(g.outputs)} outputs; give an .npz "
                        "path (one array per output, keyed by output name)")
    if p.suffix.lower() not in (".npy", ".npz"):
        raise DataError(f"{p.name}: give an .npy (one output) or .npz output path")


def save_model_outputs(path, g: Graph, outputs: list[np.ndarray]) -> Path:
    p = Path(path)
    check_output_path(p, g)
    if p.suffix.lower() == ".npy":
        return write_npy_atomic(p, outputs[0])
    buf = io.BytesIO()
    # numpy's stub reads the keyword arrays as possibly its allow_pickle flag
    np.savez(buf, **dict(zip(output_keys(g), outputs)))  # type: ignore[arg-type]
    return write_bytes_atomic(p, buf.getvalue())
