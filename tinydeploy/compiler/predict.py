"""`tinydeploy predict`: run the generated C on the host over a whole input set.

Inputs and outputs as compiler/io_data.py reads and writes them: .npy for a single-input
single-output model, .npz keyed by input/output name (or index) for any model."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data import load_arrays, top1
from ..progress import steps
from .compiled import Compiled, as_compiled
from .hostrun import HostModel
from .io_data import check_output_path, load_model_inputs, output_keys, save_model_outputs

CHUNK = 2000   # inputs per run of the host binary (progress granularity on big sets)


def predict(model: Compiled | str | Path, inputs_path: str | Path, labels_path: str | Path | None = None,
            out_path: str | Path | None = None, progress=None, clamp: bool = False) -> dict:
    """Generate, compile and run the model's C on every input. Returns a report dict with
    `outputs` (the array of a single-output model, else a list, one per output), `count`,
    `accuracy` (top-1 of output 0 against labels, or None), with labels `confusion`
    ([true class][predicted] counts of output 0), and `output` (path or None). The inputs
    run in chunks so `progress` (see tinydeploy.progress) can show how far it got. `clamp`:
    values an integer input cannot hold are clamped (and counted in `inputs`), not refused."""
    c = as_compiled(model)
    g = c.graph
    if out_path is not None:
        check_output_path(out_path, g)
    xs, y, desc = load_model_inputs(inputs_path, g, clamp)
    if labels_path is not None:
        y, _, _ = load_arrays(labels_path)
    if progress:
        progress("compiling the generated C for this host")
    hm = HostModel(c.program, c.plan, c.tflite_bytes)
    try:
        n = xs[0].shape[0]
        step = max(1, min(CHUNK, -(-n // 20)))
        parts = []
        with steps(progress, n, "predicting: input", every=max(step, n // 4)) as tick:
            for i in range(0, n, step):
                parts.append(hm.run_all([x[i:i + step] for x in xs]))
                tick(len(parts[-1][0]))
        outs = [np.concatenate([p[k] for p in parts]) for k in range(len(g.outputs))] \
            if parts else hm.run_all(xs)
    finally:
        hm.close()
    acc = top1(outs[0], np.asarray(y)) if y is not None else None
    extra = {"confusion": confusion(outs[0], np.asarray(y))} if y is not None else {}
    if out_path is not None:
        save_model_outputs(out_path, g, outs)
    return dict(outputs=outs[0] if len(outs) == 1 else outs, count=int(outs[0].shape[0]),
                accuracy=acc, inputs=desc, output=str(out_path) if out_path else None,
                output_keys=output_keys(g), arena_bytes=c.plan.arena_bytes, **extra)


def confusion(outputs: np.ndarray, labels: np.ndarray) -> list[list[int]]:
    """[true class][top-1 class] counts; class ids or one-hot labels."""
    pred = outputs.reshape(outputs.shape[0], -1).argmax(axis=1)
    y = labels.argmax(axis=1) if labels.ndim == 2 and labels.shape[1] > 1 else labels.reshape(-1)
    y = y.astype(np.int64)
    n = int(max(outputs.reshape(outputs.shape[0], -1).shape[1], y.max(initial=-1) + 1))
    m = np.zeros((n, n), np.int64)
    np.add.at(m, (y, pred), 1)
    return m.tolist()
