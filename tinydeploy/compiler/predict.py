"""`tinydeploy predict`: run the generated C on the host over a whole input set."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ..data import load_arrays
from ..errors import DataError
from .hostrun import HostModel
from .lower import lower
from .planner import plan
from .reader import load_model
from ..writer import write_bytes_atomic


def quantize_inputs(x: np.ndarray, shape: tuple, scale: float, zero_point: int) -> np.ndarray:
    """int8 arrays pass through; anything else is real-valued and quantized as TFLite does
    (x / scale in float32, rounded half away from zero, plus the zero point, clamped)."""
    per_sample = tuple(shape[1:])
    size = int(np.prod(per_sample, dtype=np.int64))
    if x.shape == per_sample:
        x = x[None]
    if x.ndim >= 1 and x.size == x.shape[0] * size:
        x = x.reshape((x.shape[0],) + per_sample)
    else:
        raise DataError(f"inputs have shape {list(x.shape)}; the model takes "
                        f"{list(per_sample)} per sample (give [N, {', '.join(map(str, per_sample))}])")
    if x.dtype == np.int8:
        return x
    if not np.issubdtype(x.dtype, np.number):
        raise DataError(f"inputs have dtype {x.dtype}; give int8 or real-valued arrays")
    q = x.astype(np.float32) / np.float32(scale)
    q = np.sign(q) * np.floor(np.abs(q) + np.float32(0.5))
    return np.clip(q + zero_point, -128, 127).astype(np.int8)


def top1(outputs: np.ndarray, labels: np.ndarray) -> float:
    pred = outputs.reshape(outputs.shape[0], -1).argmax(axis=1)
    y = labels.argmax(axis=1) if labels.ndim == 2 and labels.shape[1] > 1 else labels.reshape(-1)
    if y.shape[0] != pred.shape[0]:
        raise DataError(f"{y.shape[0]} labels for {pred.shape[0]} inputs")
    return float(np.mean(pred == y.astype(np.int64)))


def save_npy_atomic(path: Path, arr: np.ndarray) -> None:
    buf = io.BytesIO()
    np.save(buf, arr)
    write_bytes_atomic(path, buf.getvalue())


def predict(model_path: str | Path, inputs_path: str | Path, labels_path: str | Path | None = None,
            out_path: str | Path | None = None) -> dict:
    """Generate, compile and run the model's C on every input. Returns a report dict with
    `outputs` (int8 array), `count`, `accuracy` (or None) and `output` (path or None)."""
    g = load_model(model_path)
    program = lower(g)
    p = plan(program)
    x, y, desc = load_arrays(inputs_path)
    if labels_path is not None:
        y, _, _ = load_arrays(labels_path)
    t_in = g.t(g.inputs[0])
    xq = quantize_inputs(np.asarray(x), t_in.shape, t_in.scale, t_in.zero_point)
    hm = HostModel(program, p, Path(model_path).read_bytes())
    try:
        out = hm.run(xq)
    finally:
        hm.close()
    acc = top1(out, np.asarray(y)) if y is not None else None
    if out_path is not None:
        save_npy_atomic(Path(out_path), out)
    return dict(outputs=out, count=int(out.shape[0]), accuracy=acc, inputs=desc,
                output=str(out_path) if out_path else None, arena_bytes=p.arena_bytes)
