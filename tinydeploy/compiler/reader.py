"""Read a .tflite flatbuffer into the graph IR (no TensorFlow needed).

Contract: `load_model(path)` returns a verified (verify.py) and validated (validate.py) Graph
or raises ModelError with one line naming what is wrong (not TFLite, corrupt or
inconsistent, not fully int8, unsupported ops, more than one subgraph, dynamic shapes).
`parse(buf)` decodes without either check; indices out of range and data past the end of
the file are recorded in Graph.problems for the verifier instead of raising.
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import tflite
from tflite.utils import BUILTIN_OPCODE2NAME

from ..errors import ModelError
from .ir import Graph, Op, Quant, Tensor
from .lower.registry import SPECS
from .validate import validate
from .verify import verify

_TYPES = {
    tflite.TensorType.FLOAT32: "float32", tflite.TensorType.FLOAT16: "float16",
    tflite.TensorType.INT32: "int32", tflite.TensorType.UINT8: "uint8",
    tflite.TensorType.INT64: "int64", tflite.TensorType.BOOL: "bool",
    tflite.TensorType.INT16: "int16", tflite.TensorType.INT8: "int8",
    tflite.TensorType.INT4: "int4",
}


def _unpack_int4(raw: bytes, n: int) -> np.ndarray:
    """TFLite's packed INT4 (two values a byte, the first in the low nibble) as int8."""
    b = np.frombuffer(raw, np.uint8)
    nib = np.stack([b & 0xF, b >> 4], axis=1).reshape(-1)[:n].astype(np.int8)
    return np.where(nib > 7, nib - 16, nib).astype(np.int8)


def _options(kind: str, op) -> dict:
    """Builtin options as a plain dict (the op record's parser, op_options.py); {} for
    an op without a record or a parser, or whose table holds values the schema lacks."""
    spec = SPECS.get(kind)
    if spec is None or spec.options is None:
        return {}
    try:
        return spec.options(op)
    except KeyError:
        return {}


def _quant(t) -> Quant | None:
    q = t.Quantization()
    if q is None or q.ScaleIsNone() or q.ScaleLength() == 0:
        return None
    scale = np.asarray(q.ScaleAsNumpy(), dtype=np.float32)
    zp = np.asarray(q.ZeroPointAsNumpy(), dtype=np.int64) if not q.ZeroPointIsNone() \
        else np.zeros(scale.shape, np.int64)
    if zp.size != scale.size:
        zp = np.broadcast_to(zp, scale.shape).copy()
    return Quant(scale=scale, zero_point=zp, axis=q.QuantizedDimension())


def parse(buf: bytes, name: str = "model") -> Graph:
    """Decode a flatbuffer into a Graph without validating op support."""
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise ModelError(f"{name}: not a TFLite flatbuffer (no 'TFL3' identifier); "
                         "give a .tflite file produced by the TFLite converter")
    try:
        return _parse(buf, name)
    except ModelError:
        raise
    except Exception as exc:  # flatbuffers raises struct/index errors on bad offsets
        why = ("a table or vector lies past the end of the file" if isinstance(exc, struct.error)
               else f"{type(exc).__name__} while decoding")
        raise ModelError(f"{name}: TFLite file is truncated or corrupt ({why}); "
                         "re-export it with the TFLite converter") from None


def _vector_end(table, field_offset: int, length: int, item: int) -> int:
    """Where a table's vector field ends in the file (its start + length * item)."""
    o = table._tab.Offset(field_offset)
    return table._tab.Vector(o) + length * item if o else 0


def _parse(buf: bytes, name: str) -> Graph:
    model = tflite.Model.GetRootAsModel(buf, 0)
    if model.SubgraphsLength() != 1:
        raise ModelError(f"{name}: has {model.SubgraphsLength()} subgraphs; tinydeploy "
                         "supports single-subgraph models (no control flow or signatures "
                         "with several graphs)")
    sg = model.Subgraphs(0)
    problems: list[str] = []
    n_buffers, n_codes = model.BuffersLength(), model.OperatorCodesLength()
    tensors = []
    for i in range(sg.TensorsLength()):
        tensors.append(_tensor(buf, model, sg.Tensors(i), i, n_buffers, name, problems))
    n = len(tensors)
    ops = []
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        ci = op.OpcodeIndex()
        if not 0 <= ci < n_codes:
            problems.append(f"layer {i} uses operator code {ci}, the model has {n_codes}")
            kind = f"OPCODE_{ci}"
        else:
            code = model.OperatorCodes(ci)
            builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            if builtin == tflite.BuiltinOperator.CUSTOM:
                kind = "CUSTOM:" + (code.CustomCode() or b"?").decode("utf-8", "replace")
            else:
                kind = BUILTIN_OPCODE2NAME.get(builtin, f"BUILTIN_{builtin}")
        ins = [int(x) for x in op.InputsAsNumpy()] if op.InputsLength() else []
        outs = [int(x) for x in op.OutputsAsNumpy()] if op.OutputsLength() else []
        for what, idx, optional in (("input", ins, True), ("output", outs, False)):
            for x in idx:
                if x >= n or x < (-1 if optional else 0):
                    problems.append(f"layer {i} {kind} {what} refers to tensor {x}, the model "
                                    f"has tensors 0..{n - 1}")
        ops.append(Op(i, kind, ins, outs, _options(kind, op)))
    inputs = [int(x) for x in sg.InputsAsNumpy()] if sg.InputsLength() else []
    outputs = [int(x) for x in sg.OutputsAsNumpy()] if sg.OutputsLength() else []
    for what, idx in (("input", inputs), ("output", outputs)):
        for x in idx:
            if not 0 <= x < n:
                problems.append(f"model {what} refers to tensor {x}, the model has tensors "
                                f"0..{n - 1}")
    gname = (sg.Name() or b"").decode("utf-8", "replace") or name
    return Graph(gname, tensors, ops, inputs, outputs, problems)


def _tensor(buf: bytes, model, t, i: int, n_buffers: int, name: str, problems: list) -> Tensor:
    ttype = t.Type()
    dtype = _TYPES.get(ttype, f"type{ttype}")
    shape = tuple(int(s) for s in t.ShapeAsNumpy()) if t.ShapeLength() else ()
    sig = tuple(int(s) for s in t.ShapeSignatureAsNumpy()) if t.ShapeSignatureLength() else ()
    if any(s < 0 for s in sig[1:]) or any(s < 0 for s in shape):
        raise ModelError(f"{name}: tensor {i} has a dynamic shape {sig or shape}; "
                         "give the model fixed input shapes before converting")
    data = None
    bi = t.Buffer()
    b = None
    if not 0 <= bi < n_buffers:
        problems.append(f"tensor {i} refers to buffer {bi}, the model has {n_buffers}")
    else:
        b = model.Buffers(bi)
    raw = None
    if b is not None and b.DataLength() > 0:
        if _vector_end(b, 4, b.DataLength(), 1) > len(buf):
            problems.append(f"tensor {i}: its data lies past the end of the file (truncated)")
        else:
            raw = b.DataAsNumpy().tobytes()
    elif b is not None and b.Offset() > 1:
        off, size = b.Offset(), b.Size()
        if off + size > len(buf):
            problems.append(f"tensor {i}: its data lies past the end of the file (truncated)")
        else:
            raw = buf[off:off + size]
    int4 = dtype == "int4" and raw is not None
    if raw is not None and int4:
        n = int(np.prod(shape)) if shape else 1
        if len(raw) != (n + 1) // 2:
            problems.append(f"tensor {i}: {len(raw)} bytes of data for {n} packed int4 "
                            f"values (needs {(n + 1) // 2})")
            raw = None
        else:
            data, dtype, raw = _unpack_int4(raw, n).reshape(shape), "int8", None
    if raw is not None:
        nptype = np.dtype(dtype) if dtype in ("float32", "float16", "int32", "uint8",
                                              "int64", "int16", "int8") else np.dtype(np.uint8)
        if len(raw) % nptype.itemsize:
            problems.append(f"tensor {i}: {len(raw)} bytes of data is not a whole number of "
                            f"{dtype} values")
            raw = raw[:len(raw) - len(raw) % nptype.itemsize]
        data = np.frombuffer(raw, dtype=nptype).copy()
        if shape and data.size == int(np.prod(shape)):
            data = data.reshape(shape)
        elif not shape and data.size == 1:
            data = data.reshape(())
    tname = (t.Name() or b"").decode("utf-8", "replace")
    return Tensor(i, tname, shape, dtype, _quant(t), data, variable=bool(t.IsVariable()),
                  int4=int4 and data is not None)


_KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def _convert_first(p: Path) -> str:
    return (f"{p}: is a Keras model, not a .tflite; convert it first: tinydeploy convert {p} "
            f"--data DATA -o {p.with_suffix('.tflite').name}")


def read_tflite(path: str | Path) -> bytes:
    """The bytes of a .tflite file, or a one-line ModelError (missing, a directory, a Keras
    model that needs `tinydeploy convert` first)."""
    p = Path(path)
    try:
        buf = p.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{p}: no such file") from None
    except IsADirectoryError:
        if (p / "saved_model.pb").is_file():
            raise ModelError(_convert_first(p)) from None
        raise ModelError(f"{p}: is a directory, expected a .tflite file") from None
    except OSError as exc:
        raise ModelError(f"{p}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    if buf[4:8] != b"TFL3" and p.suffix.lower() in _KERAS_SUFFIXES:
        raise ModelError(_convert_first(p))
    return buf


def load_model(path: str | Path) -> Graph:
    """Read and validate a .tflite file; see module docstring."""
    p = Path(path)
    g = parse(read_tflite(p), name=p.stem)
    g.name = p.stem
    verify(g, where=str(p))
    validate(g, where=str(p))
    return g
