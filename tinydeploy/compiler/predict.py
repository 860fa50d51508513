"""`tinydeploy predict`: run the generated C on the host over a whole input set."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data import load_arrays, top1
from ..writer import write_npy_atomic
from .compiled import Compiled, as_compiled
from .hostrun import HostModel
from .quant import quantize_inputs


def predict(model: Compiled | str | Path, inputs_path: str | Path, labels_path: str | Path | None = None,
            out_path: str | Path | None = None) -> dict:
    """Generate, compile and run the model's C on every input. Returns a report dict with
    `outputs` (int8 array), `count`, `accuracy` (or None) and `output` (path or None)."""
    c = as_compiled(model)
    g = c.graph
    x, y, desc = load_arrays(inputs_path)
    if labels_path is not None:
        y, _, _ = load_arrays(labels_path)
    t_in = g.t(g.inputs[0])
    xq = quantize_inputs(np.asarray(x), t_in.shape, t_in.scale, t_in.zero_point)
    hm = HostModel(c.program, c.plan, c.tflite_bytes)
    try:
        out = hm.run(xq)
    finally:
        hm.close()
    acc = top1(out, np.asarray(y)) if y is not None else None
    if out_path is not None:
        write_npy_atomic(Path(out_path), out)
    return dict(outputs=out, count=int(out.shape[0]), accuracy=acc, inputs=desc,
                output=str(out_path) if out_path else None, arena_bytes=c.plan.arena_bytes)
