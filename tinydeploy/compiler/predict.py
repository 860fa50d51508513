"""`tinydeploy predict`: run the generated C on the host over a whole input set."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data import load_arrays, top1
from ..progress import steps
from ..writer import write_npy_atomic
from .compiled import Compiled, as_compiled
from .hostrun import HostModel
from .quant import quantize_inputs

CHUNK = 2000   # inputs per run of the host binary (progress granularity on big sets)


def predict(model: Compiled | str | Path, inputs_path: str | Path, labels_path: str | Path | None = None,
            out_path: str | Path | None = None, progress=None) -> dict:
    """Generate, compile and run the model's C on every input. Returns a report dict with
    `outputs` (int8 array), `count`, `accuracy` (or None), with labels `confusion`
    ([true class][predicted] counts), and `output` (path or None). The inputs run in
    chunks so `progress` (see tinydeploy.progress) can show how far it got."""
    c = as_compiled(model)
    g = c.graph
    x, y, desc = load_arrays(inputs_path)
    if labels_path is not None:
        y, _, _ = load_arrays(labels_path)
    t_in = g.t(g.inputs[0])
    xq = quantize_inputs(np.asarray(x), t_in.shape, t_in.scale, t_in.zero_point)
    if progress:
        progress("compiling the generated C for this host")
    hm = HostModel(c.program, c.plan, c.tflite_bytes)
    try:
        n = xq.shape[0]
        step = max(1, min(CHUNK, -(-n // 20)))
        parts = []
        with steps(progress, n, "predicting: input", every=max(step, n // 4)) as tick:
            for i in range(0, n, step):
                parts.append(hm.run(xq[i:i + step]))
                tick(len(parts[-1]))
        out = np.concatenate(parts) if parts else hm.run(xq)
    finally:
        hm.close()
    acc = top1(out, np.asarray(y)) if y is not None else None
    extra = {"confusion": confusion(out, np.asarray(y))} if y is not None else {}
    if out_path is not None:
        write_npy_atomic(Path(out_path), out)
    return dict(outputs=out, count=int(out.shape[0]), accuracy=acc, inputs=desc,
                output=str(out_path) if out_path else None, arena_bytes=c.plan.arena_bytes, **extra)


def confusion(outputs: np.ndarray, labels: np.ndarray) -> list[list[int]]:
    """[true class][top-1 class] counts; class ids or one-hot labels."""
    pred = outputs.reshape(outputs.shape[0], -1).argmax(axis=1)
    y = labels.argmax(axis=1) if labels.ndim == 2 and labels.shape[1] > 1 else labels.reshape(-1)
    y = y.astype(np.int64)
    n = int(max(outputs.reshape(outputs.shape[0], -1).shape[1], y.max(initial=-1) + 1))
    m = np.zeros((n, n), np.int64)
    np.add.at(m, (y, pred), 1)
    return m.tolist()
