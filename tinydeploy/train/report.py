"""Figures for `tinydeploy optimize`: what the int8 .tflite really holds, and the report table.

Contract: `measure_int8(tf, tflite_bytes, x, score, names)` returns a JSON-able dict for one
int8 model: size (raw and gzip), per-layer and total weight sparsity read from the int8
weights in the flatbuffer, params (constant weights and biases of the weighted ops, the
zero biases the converter adds included), MACs, the planned arena and flash estimate, and
the score (accuracy and loss) of the generated C run on the host (`tinydeploy predict`
arithmetic). A model with ops tinydeploy has no kernel for is scored with TFLite's
reference kernels instead (said in `scored_by`; no MACs then). `keras_cost(model)`: params
and MACs of a Keras stage.
`format_optimize_report(report)` renders optimize_model()'s report as text.
No TensorFlow is imported here except through the `tf` argument.
"""
from __future__ import annotations

import gzip
import re

import numpy as np

from ..compiler.lower.registry import SPECS
from ..compiler.quant import quantize_inputs
from ..compiler.reader import parse
from ..deploy.fit import flash_estimate
from ..errors import ModelError, ToolError

# op -> output-channel axis of its int8 weights (input 1), from the op records
WEIGHTED_OPS = {n: s.weight_axis for n, s in SPECS.items() if s.weight_axis is not None}
_WRAPPER_PREFIXES = ("quant_", "prune_low_magnitude_", "cluster_")


def measure_int8(tf, tfl: bytes, x: np.ndarray, score, names=()) -> dict:
    """See module docstring; `score(outputs_float) -> {"accuracy", "loss"}`, `names` are the
    Keras layer names used to label the weight tensors."""
    g = parse(tfl)
    t_in, t_out = g.t(g.inputs[0]), g.t(g.outputs[0])
    xq = quantize_inputs(np.asarray(x), t_in.shape, t_in.scale, t_in.zero_point)
    res = dict(size_bytes=len(tfl), gzip_bytes=len(gzip.compress(tfl, 9, mtime=0)),
               params=sum(g.t(i).size for op in g.ops if op.kind in WEIGHTED_OPS
                          for i in op.inputs[1:] if i >= 0 and g.t(i).is_const),
               macs=None, arena_bytes=None, flash_bytes=None, const_bytes=None)
    try:
        from ..compiler.compiled import compile_graph
        from ..compiler.hostrun import HostModel
        c = compile_graph(g, tfl)
        program, pl = c.program, c.plan
        host = HostModel(program, pl, tfl)
        try:
            out = host.run(xq)
        finally:
            host.close()
        res.update(macs=program.macs, arena_bytes=pl.arena_bytes,
                   const_bytes=program.const_bytes,
                   flash_bytes=flash_estimate(program),
                   scored_by="generated C on the host (tinydeploy predict arithmetic)")
    except (ModelError, ToolError) as exc:
        from .convert import interpreter, run_int8
        out = run_int8(interpreter(tf, tfl), np.asarray(x, np.float32))
        res["scored_by"] = f"TFLite reference kernels (tinydeploy cannot run it: {exc})"
    real = (out.reshape(len(xq), -1).astype(np.float32) - t_out.zero_point) * t_out.scale
    res.update(score(real))
    res["layers"] = weight_layers(g, names)
    res["sparsity"] = _fraction(res["layers"])
    return res


def weight_layers(g, names=()) -> list[dict]:
    """One row per op with int8 constant weights: zeros and distinct levels as stored."""
    rows = []
    for op in g.ops:
        if op.kind not in WEIGHTED_OPS or len(op.inputs) < 2 or op.inputs[1] < 0:
            continue
        t = g.t(op.inputs[1])
        if not t.is_const or t.dtype != "int8":
            continue
        w = np.asarray(t.data)
        axis = WEIGHTED_OPS[op.kind]
        per_ch = np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1)
        rows.append(dict(index=op.index, op=op.kind, layer=keras_name(t.name, names),
                         shape=list(w.shape), weights=int(w.size),
                         zeros=int(np.count_nonzero(w == 0)),
                         sparsity=float(np.mean(w == 0)),
                         levels=int(np.unique(w).size),
                         levels_per_channel=int(max(np.unique(r).size for r in per_ch))))
    return rows


def keras_name(tensor_name: str, names) -> str | None:
    """The Keras layer a TFLite weight tensor came from ('model/quant_conv2d/Conv2D;...')."""
    known = set(names)
    for part in re.split(r"[;/]", tensor_name):
        for prefix in _WRAPPER_PREFIXES:
            if part.startswith(prefix) and part[len(prefix):] in known:
                return part[len(prefix):]
        if part in known:
            return part
    return None


def _fraction(rows) -> float | None:
    n = sum(r["weights"] for r in rows)
    return sum(r["zeros"] for r in rows) / n if n else None


def kernel_sparsity(model) -> tuple[float | None, int]:
    """(fraction of zero weights, max distinct values in one tensor) over the conv/dense
    kernels of a tf_keras model (through tfmot wrappers): what becomes int8 weights."""
    zeros = total = levels = 0
    for var in model.weights:
        if re.search(r"(^|/)(depthwise_)?kernel:0$", var.name) and len(var.shape) >= 2:
            v = var.numpy()
            zeros += int(np.count_nonzero(v == 0))
            total += v.size
            levels = max(levels, int(np.unique(v).size))
    return (zeros / total if total else None), levels


def keras_cost(model) -> dict:
    """{"params", "macs"} of a tf_keras model, through tfmot wrappers (their own variables
    left out): params are the layers' weights; MACs per sample are each kernel's size times
    the positions it is applied at (the output's, the input's for a transposed conv)."""
    params = macs = 0
    for lay in model.layers:
        if type(lay).__module__.startswith("tensorflow_model_optimization"):
            if not hasattr(lay, "layer"):  # QuantizeLayer: QAT's own range variables
                continue
            inner = lay.layer
        else:
            inner = lay
        kernels = [k for k in (getattr(inner, n, None) for n in
                               ("kernel", "depthwise_kernel", "pointwise_kernel")) if k is not None]
        # QAT takes the kernels out of the wrapped layer's weights: count them by identity
        params += sum(int(np.prod(w.shape)) for w in
                      {id(w): w for w in [*kernels, *inner.weights]}.values())
        if kernels:
            shape = lay.input_shape if "Transpose" in type(inner).__name__ else lay.output_shape
            macs += sum(int(np.prod(k.shape)) * int(np.prod(shape[1:-1])) for k in kernels)
    return dict(params=params, macs=macs)


# ---------------------------------------------------------------- text

def summary_line(stages: list[dict], what: str) -> str:
    """One line for closing notes: score per stage, sparsity, size, arena, flash."""
    def fig(s):
        return _pct(s["accuracy"]) if s.get("accuracy") is not None else f"loss {s['loss']:.4f}"
    base = next((s for s in stages if s["label"] == "int8, PTQ only"), None)
    final = stages[-1]
    chain = " -> ".join(f"{s['label'].split(' (')[0]} {fig(s)}" for s in stages if s is not base)
    gz = f"gzip {_b(final['gzip_bytes'])} B" + (f" vs {_b(base['gzip_bytes'])} B for plain PTQ"
                                                if base else "")
    return (f"{what}: {chain}" + (f" (plain PTQ int8 {fig(base)})" if base else "")
            + f"; int8 weights {_pct(final['sparsity'])} zeros; .tflite {_b(final['size_bytes'])}"
            f" B ({gz}); arena {_b(final['arena_bytes'])} B; flash ~{_b(final['flash_bytes'])} B")


def _pct(v):
    return "-" if v is None else f"{v * 100:.1f}%"


def _b(v):
    return "-" if v is None else f"{v:,}"


def format_optimize_report(r: dict) -> str:
    """The stage table, the per-layer int8 weights table and the notes, as text."""
    head = ("stage", "top-1", "loss", "params", "MACs", "sparsity", ".tflite B", "gzip B",
            "arena B", "flash B")
    rows = [head]
    for s in r["stages"]:
        rows.append((s["label"], _pct(s.get("accuracy")),
                     "-" if s.get("loss") is None else f"{s['loss']:.4f}",
                     _b(s.get("params")), _b(s.get("macs")),
                     _pct(s.get("sparsity")), _b(s.get("size_bytes")), _b(s.get("gzip_bytes")),
                     _b(s.get("arena_bytes")), _b(s.get("flash_bytes"))))
    lines = _table(rows, left=1)
    if r.get("factorized"):
        frows = [("layer", "kernel", "rank", "params before", "after", "energy kept", "note")]
        for f in r["factorized"]:
            frows.append((f["layer"], "x".join(map(str, f["shape"])), _b(f["rank"]),
                          _b(f["params_before"]), _b(f["params_after"]), _pct(f["energy"]),
                          "" if f["status"] == "factorized" else f["status"]))
        lines += ["", f"--factorize {r['options']['factorize']}: Dense and Conv2D layers "
                      "(each factorized one is two layers in the int8 table below):"]
        lines += ["  " + ln for ln in _table(frows, left=2)]
    final = r["stages"][-1]
    lines += ["", f"int8 weights of {r['tflite']} (per layer, as stored in the .tflite):"]
    wrows = [("#", "op", "layer", "shape", "weights", "zeros", "sparsity", "levels/ch", "applied")]
    for w in final.get("layers", []):
        wrows.append((str(w["index"]), w["op"], w["layer"] or "?",
                      "x".join(map(str, w["shape"])), f"{w['weights']:,}", f"{w['zeros']:,}",
                      _pct(w["sparsity"]), str(w["levels_per_channel"]),
                      ",".join(w.get("applied", [])) or "-"))
    lines += ["  " + ln for ln in _table(wrows, left=3)]
    lines += [""] + [f"{k:<12} {v}" for k, v in (
        ("summary", r["summary"]),
        ("model", f"{r['model']} ({r['keras']}) -> {r['output']}"),
        ("data", f"train {r['data']['train']}, validation {r['data']['val'] or 'none'}, "
                 f"scored on {r['data']['eval']}"),
        ("loss", r["loss"]),
        ("calibration", final.get("calibration", "-")),
        ("int8 scored", final.get("scored_by", "-")),
        ("report", r["report"]),
        ("time", f"{r['seconds']:.1f} s"))]
    lines += [f"note: {n}" for n in r.get("notes", [])]
    return "\n".join(lines)


def _table(rows, left: int) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = ["  ".join(c.ljust(w) if i < left else c.rjust(w)
                     for i, (c, w) in enumerate(zip(row, widths))).rstrip() for row in rows]
    out.insert(1, "-" * len(out[0]))
    return out
