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

from ..resources import template_env
from .cnames import PARAMS_SUFFIX, c_comment, c_string, layer_symbol
from .params import KERNELS_VERSION, MAX_DIMS
from .planner import Plan, scratch_key
from .program import SCRATCH, ConstArg, ListArg, Program, TensorArg

# Flags every compile of the generated C uses, on the host and on the device.
# -ffp-contract=off: a fused multiply-add would change float results, and the harness's
# dequantization must print exactly what the host computes.
COMMON_CFLAGS = ["-std=c99", "-O2", "-ffp-contract=off", "-ffunction-sections",
                 "-fdata-sections", "-Wall", "-Wextra", "-Werror"]


def model_hash(tflite_bytes: bytes | None) -> str:
    """The model id the firmware reports in td-info (TD_MODEL_HASH): sha256, 16 hex digits."""
    return hashlib.sha256(tflite_bytes).hexdigest()[:16] if tflite_bytes else "none"


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


def _buffer(ti: int) -> str:
    """The name generated C uses for activation tensor `ti` in the arena."""
    return f"TD_T{ti}"


def _scratch(tag: str) -> str:
    """The name generated C uses for a layer's planned scratch buffer (Layer.tag)."""
    return f"TD_SCRATCH_L{tag.upper()}"


def _arg_expr(arg) -> str:
    if isinstance(arg, TensorArg):
        return _buffer(arg.tensor)
    assert isinstance(arg, ConstArg), arg
    return arg.name


def _shape_text(shape) -> str:
    return "x".join(map(str, shape)) or "scalar"


# td_tensor_info_t.dtype codes (TD_DTYPE_* in td_model.h)
DTYPE_CODES = {"int8": 0, "float32": 1, "int32": 2, "int64": 3, "int16": 4}


def _tensor_info(program: Program, plan: Plan, ti: int) -> dict:
    t = program.graph.t(ti)
    dims = list(t.shape) + [0] * (MAX_DIMS - len(t.shape))
    quantized = t.quant is not None and t.dtype in ("int8", "int16")
    scale = t.scale if quantized else 0.0
    return dict(name=c_string(t.name), ndim=len(t.shape), dims=", ".join(map(str, dims)),
                bytes=t.nbytes, scale=float(np.float32(scale)).hex() + "f",
                scale_comment=f"{scale:.9g}", zero_point=t.zero_point if quantized else 0,
                dtype=t.dtype, dtype_code=DTYPE_CODES[t.dtype],
                offset=plan.offsets[ti], buffer=_buffer(ti))


def _buffers(program: Program, plan: Plan) -> list[dict]:
    """Every activation tensor the generated C refers to, by name, with its arena offset."""
    g = program.graph
    used = set(g.inputs) | set(g.outputs)
    for layer in program.layers:
        if layer.kernel:
            used.update(layer.inputs)
            used.add(layer.output)
    tensors = [dict(name=_buffer(ti), offset=plan.offsets[ti],
                    comment=f"{c_comment(g.t(ti).name, 40)}: {_shape_text(g.t(ti).shape)}, "
                            f"{g.t(ti).nbytes} B")
               for ti in sorted(used)]
    scratch = [dict(name=_scratch(layer.tag), offset=plan.offsets[scratch_key(i)],
                    comment=f"layer {layer.index} {layer.op} scratch, {layer.scratch} B")
               for i, layer in enumerate(program.layers) if layer.scratch]
    return tensors + scratch


def model_data(program: Program, plan: Plan, tflite_bytes: bytes | None) -> dict:
    """The plain data the templates render."""
    g = program.graph
    layers, consts = [], []
    kernels = [layer for layer in program.layers if layer.kernel]
    for k, layer in enumerate(kernels):
        assert layer.params is not None          # every kernel call has its parameter block
        for c in layer.consts:
            consts.append(dict(name=c.name, ctype=c.ctype, count=int(c.values.size),
                               text=_array_text(c.values),
                               comment=f"layer {layer.index} {layer.op}: "
                                       f"{_shape_text(c.shape or (c.values.size,))}"))
        args, lists = [], []
        for a in layer.args:
            if isinstance(a, ListArg):
                name = layer_symbol(layer.tag, "ins")
                args.append(name)
                lists.append(dict(name=name, ptrs=[_arg_expr(x) for x in a.items]))
            else:
                args.append(_arg_expr(a))
        src = ", ".join(c_comment(g.t(t).name, 40) for t in layer.inputs) or "const"
        layers.append(dict(
            k=k, row=layer_symbol(layer.tag, "row").upper(), index=layer.index, op=layer.op,
            kernel=layer.kernel, ptype=layer.ptype,
            pname=layer_symbol(layer.tag, PARAMS_SUFFIX),
            fields=[(name, f"(void *){_scratch(layer.tag)}"
                     if isinstance(v, str) and v == SCRATCH else _c_value(v))
                    for name, v in layer.params.items()],
            args=args, lists=lists, out=_buffer(layer.output),
            comment=f"{src} -> {c_comment(g.t(layer.output).name, 40)}",
            macs=layer.macs))
    digest = model_hash(tflite_bytes)
    return dict(
        model_name=c_string(g.name), model_hash=digest, arena_bytes=max(plan.arena_bytes, 1),
        planned_arena=plan.arena_bytes, macs=program.macs, layers=layers, consts=consts,
        buffers=_buffers(program, plan), kernels_version=KERNELS_VERSION,
        inputs=[_tensor_info(program, plan, t) for t in g.inputs],
        outputs=[_tensor_info(program, plan, t) for t in g.outputs],
        max_dims=MAX_DIMS,
        tflite_len=len(tflite_bytes) if tflite_bytes else 0,
        tflite_text=_array_text(np.frombuffer(tflite_bytes, np.uint8), 20) if tflite_bytes else "",
    )


def generate(program: Program, plan: Plan, tflite_bytes: bytes | None = None) -> dict[str, str]:
    """Render the model's C files (see module docstring)."""
    env = template_env()
    data = model_data(program, plan, tflite_bytes)
    files = {}
    for name in ("td_model.h", "td_model.c", "td_model_data.h", "td_model_data.c"):
        files[f"model/{name}"] = env.get_template(f"model/{name}.j2").render(**data)
    if tflite_bytes:
        for name in ("td_model_tflite.h", "td_model_tflite.c"):
            files[f"model/{name}"] = env.get_template(f"model/{name}.j2").render(**data)
    return files
