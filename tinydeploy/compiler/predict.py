"""`tinydeploy predict`: run the generated C on the host over a whole input set.

Inputs and outputs as compiler/io_data.py reads and writes them: .npy for a single-input
single-output model, .npz keyed by input/output name (or index) for any model."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data import load_arrays, top1
from .compiled import Compiled, as_compiled
from .hostrun import HostModel
from .io_data import load_model_inputs, output_keys, save_model_outputs


def predict(model: Compiled | str | Path, inputs_path: str | Path, labels_path: str | Path | None = None,
            out_path: str | Path | None = None) -> dict:
    """Generate, compile and run the model's C on every input. Returns a report dict with
    `outputs` (the array of a single-output model, else a list, one per output), `count`,
    `accuracy` (top-1 of output 0 against labels, or None) and `output` (path or None)."""
    c = as_compiled(model)
    g = c.graph
    xs, y, desc = load_model_inputs(inputs_path, g)
    if labels_path is not None:
        y, _, _ = load_arrays(labels_path)
    hm = HostModel(c.program, c.plan, c.tflite_bytes)
    try:
        outs = hm.run_all(xs)
    finally:
        hm.close()
    acc = top1(outs[0], np.asarray(y)) if y is not None else None
    if out_path is not None:
        save_model_outputs(out_path, g, outs)
    return dict(outputs=outs[0] if len(outs) == 1 else outs, count=int(outs[0].shape[0]),
                accuracy=acc, inputs=desc, output=str(out_path) if out_path else None,
                output_keys=output_keys(g), arena_bytes=c.plan.arena_bytes)
