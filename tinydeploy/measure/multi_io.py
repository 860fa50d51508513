"""On-device checks of models with several inputs/outputs or float32/int32/int64 ones.

Contract: `needs(graph)` says whether a model takes this path (profile.py keeps the
single-int8-input path for the rest). `load_samples(path, graph, limit)` reads an input set
as compiler/io_data.py does (an .npz keyed by input name or index; .npy for one input) into
MultiSample(dbs, arrays, label): the raw bytes each input's `db` load sends (the device
takes raw tensor bytes: td-in K selects input K) and the arrays the host reference runs.
`load_all(dut, dbs)` loads every input; `validate(...)` runs each sample on the device and
compares every output with the host build of the generated C, bit for bit.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compiler.boundary import np_dtype
from ..compiler.io_data import load_model_inputs
from ..compiler.ir import Graph
from ..errors import TinyDeployError


@dataclass
class MultiSample:
    dbs: list[bytes]
    arrays: list[np.ndarray]
    label: int | None


def needs(g: Graph) -> bool:
    io = [g.t(t) for t in g.inputs + g.outputs]
    return len(g.inputs) > 1 or len(g.outputs) > 1 or any(t.dtype != "int8" for t in io)


def check_mode(g: Graph, input_mode: str) -> None:
    if input_mode != "int8":
        raise TinyDeployError(f"the device converts its input ({input_mode} input mode), which "
                              f"a model with {len(g.inputs)} input(s) of dtype "
                              f"{', '.join(g.t(t).dtype for t in g.inputs)} cannot take; build "
                              "it without a benchmark id")


def load_samples(path, g: Graph, limit: int | None = None) -> list[MultiSample]:
    xs, y, _ = load_model_inputs(path, g)
    n = xs[0].shape[0] if limit is None else min(limit, xs[0].shape[0])
    labels = None if y is None else np.asarray(y)
    if labels is not None and labels.ndim == 2:
        labels = labels.argmax(1)
    return [MultiSample([x[i].tobytes() for x in xs], [x[i] for x in xs],
                        None if labels is None else int(labels[i])) for i in range(n)]


def zero_dbs(g: Graph) -> list[bytes]:
    return [bytes(g.t(t).nbytes) for t in g.inputs]


def load_all(dut, dbs: list[bytes]) -> None:
    for k, b in enumerate(dbs):
        dut.load(b, input=k if len(dbs) > 1 else None)


def validate(dut, samples: list[MultiSample], host, g: Graph, timeout: float, say,
             v: dict) -> None:
    """Fill `v` sample by sample: bit_exact counts samples whose every output equals the
    host's bytes; max_abs_diff is over every output's values; top-1 is output 0's."""
    ref = host.run_all([np.stack([s.arrays[k] for s in samples]) for k in range(len(g.inputs))])
    dtypes = [np_dtype(g.t(t).dtype) for t in g.outputs]
    exact = agree = correct = labelled = 0
    max_diff = 0.0
    for i, s in enumerate(samples):
        if i % 10 == 0 or i + 1 == len(samples):
            say(f"checking outputs: input {i + 1} of {len(samples)}")
        load_all(dut, s.dbs)
        dut.infer(1, 0, timeout=timeout)
        outs = dut.outputs()
        if len(outs) != len(dtypes):
            raise TinyDeployError(f"the device gives {len(outs)} outputs, the model has "
                                  f"{len(dtypes)}: is it running this model?")
        same = True
        for k, (raw, dt) in enumerate(zip(outs, dtypes)):
            h = np.ascontiguousarray(ref[k][i]).reshape(-1)
            same &= raw == h.tobytes()
            d = np.frombuffer(raw, dt)
            if d.size == h.size:
                diff = np.abs(d.astype(np.float64) - h.astype(np.float64))
                max_diff = max(max_diff, float(np.nan_to_num(diff, nan=np.inf).max()))
            else:
                max_diff = float("inf")
        exact += int(same)
        top = np.frombuffer(outs[0], dtypes[0])
        agree += int(top.size > 0 and top.argmax() == ref[0][i].reshape(-1).argmax())
        if s.label is not None:
            labelled += 1
            correct += int(top.argmax() == s.label)
        v.update(count=i + 1, bit_exact=exact, top1_agreement=agree,
                 max_abs_diff=int(max_diff) if float(max_diff).is_integer() else max_diff,
                 outputs=len(dtypes))
        if labelled:
            v.update(accuracy=correct / labelled, correct=correct)
