"""Generate the model's C sources from a lowered program and its memory plan.

Contract: `generate(program, plan, tflite_bytes)` returns {relative_path: text} for the
files under model/: td_model.h (the API), td_model.c (arena, parameter blocks, invoke),
td_model_data.c/.h (constant arrays) and td_model_tflite.c/.h (the flatbuffer as an array
for TFLite Micro users). Output is reproducible: no timestamps, no absolute paths. Every
string taken from the model file passes through cnames before it reaches C.
"""
from __future__ import annotations

import hashlib

import numpy as np
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .cnames import c_comment, c_string
from .planner import Plan, scratch_key
from .program import SCRATCH, Program
from .resources import data_dir

MAX_DIMS = 6


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(data_dir("templates"))),
                       undefined=StrictUndefined, keep_trailing_newline=True,
                       trim_blocks=True, lstrip_blocks=True)


def _c_value(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, (np.floating, float)):
        return float(np.float32(v)).hex() + "f"
    if isinstance(v, (list, tuple)):
        return "{" + ", ".join(_c_value(x) for x in v) + "}"
    if isinstance(v, str):
        return v            # a constant array's identifier (generated, never from the model)
    return str(int(v))


def _array_text(values: np.ndarray, per_line: int = 24) -> str:
    vals = [str(int(v)) for v in values.reshape(-1)]
    return "\n".join("    " + ", ".join(vals[i:i + per_line]) + ","
                     for i in range(0, len(vals), per_line))


def _tensor_expr(kind_t, plan: Plan) -> str:
    kind, ref = kind_t
    if kind == "t":
        return f"(td_arena + {plan.offsets[ref]})"
    return ref


def _tensor_info(program: Program, plan: Plan, ti: int) -> dict:
    t = program.graph.t(ti)
    dims = list(t.shape) + [0] * (MAX_DIMS - len(t.shape))
    return dict(name=c_string(t.name), ndim=len(t.shape), dims=", ".join(map(str, dims)),
                bytes=t.nbytes, scale=float(np.float32(t.scale)).hex() + "f",
                scale_comment=f"{t.scale:.9g}", zero_point=t.zero_point,
                offset=plan.offsets[ti])


def model_data(program: Program, plan: Plan, tflite_bytes: bytes | None) -> dict:
    """The plain data the templates render."""
    g = program.graph
    layers, consts = [], []
    kernels = [layer for layer in program.layers if layer.kernel]
    pos = {id(layer): i for i, layer in enumerate(program.layers)}
    for k, layer in enumerate(kernels):
        for c in layer.consts:
            consts.append(dict(name=c.name, ctype=c.ctype, count=int(c.values.size),
                               text=_array_text(c.values)))
        args = []
        for a in layer.args:
            if a[0] == "list":
                args.append("td_l%d_ins" % layer.index)
            else:
                args.append(_tensor_expr(a, plan))
        lists = [dict(name="td_l%d_ins" % layer.index,
                      ptrs=[_tensor_expr(x, plan) for x in a[1]])
                 for a in layer.args if a[0] == "list"]
        src = ", ".join(c_comment(g.t(t).name, 40) for t in layer.inputs) or "const"
        layers.append(dict(
            k=k, index=layer.index, op=layer.op, kernel=layer.kernel, ptype=layer.ptype,
            pname=f"td_l{layer.index}_p",
            fields=[(name, f"(void *)(td_arena + {plan.offsets[scratch_key(pos[id(layer)])]})"
                     if isinstance(v, str) and v == SCRATCH else _c_value(v))
                    for name, v in layer.params.items()],
            args=args, lists=lists, out=f"(td_arena + {plan.offsets[layer.output]})",
            comment=f"{src} -> {c_comment(g.t(layer.output).name, 40)}",
            macs=layer.macs))
    digest = hashlib.sha256(tflite_bytes).hexdigest()[:16] if tflite_bytes else "none"
    return dict(
        model_name=c_string(g.name), model_hash=digest, arena_bytes=max(plan.arena_bytes, 1),
        planned_arena=plan.arena_bytes, macs=program.macs, layers=layers, consts=consts,
        inputs=[_tensor_info(program, plan, t) for t in g.inputs],
        outputs=[_tensor_info(program, plan, t) for t in g.outputs],
        max_dims=MAX_DIMS,
        tflite_len=len(tflite_bytes) if tflite_bytes else 0,
        tflite_text=_array_text(np.frombuffer(tflite_bytes, np.uint8), 20) if tflite_bytes else "",
    )


def generate(program: Program, plan: Plan, tflite_bytes: bytes | None = None) -> dict[str, str]:
    """Render the model's C files (see module docstring)."""
    env = _env()
    data = model_data(program, plan, tflite_bytes)
    files = {}
    for name in ("td_model.h", "td_model.c", "td_model_data.h", "td_model_data.c"):
        files[f"model/{name}"] = env.get_template(f"model/{name}.j2").render(**data)
    if tflite_bytes:
        for name in ("td_model_tflite.h", "td_model_tflite.c"):
            files[f"model/{name}"] = env.get_template(f"model/{name}.j2").render(**data)
    return files
