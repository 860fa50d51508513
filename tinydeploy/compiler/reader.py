"""Read a .tflite flatbuffer into the graph IR (no TensorFlow needed).

Contract: `load_model(path)` returns a validated Graph or raises ModelError with one line
naming what is wrong (not TFLite, corrupt, not fully int8, unsupported ops, more than one
subgraph, dynamic shapes).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import tflite
from tflite.utils import BUILTIN_OPCODE2NAME

from ..errors import ModelError
from .ir import Graph, Op, Quant, Tensor
from .validate import validate

_TYPES = {
    tflite.TensorType.FLOAT32: "float32", tflite.TensorType.FLOAT16: "float16",
    tflite.TensorType.INT32: "int32", tflite.TensorType.UINT8: "uint8",
    tflite.TensorType.INT64: "int64", tflite.TensorType.BOOL: "bool",
    tflite.TensorType.INT16: "int16", tflite.TensorType.INT8: "int8",
}
_ACT = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}
_PAD = {0: "SAME", 1: "VALID"}


def _options(op, cls):
    table = op.BuiltinOptions()
    if table is None:
        return None
    opt = cls()
    opt.Init(table.Bytes, table.Pos)
    return opt


def _parse_options(kind: str, op) -> dict:
    """Builtin options as a plain dict; only the fields our kernels use."""
    if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        cls = tflite.Conv2DOptions if kind == "CONV_2D" else tflite.DepthwiseConv2DOptions
        o = _options(op, cls)
        d = {"padding": _PAD[o.Padding()], "stride_h": o.StrideH(), "stride_w": o.StrideW(),
             "dilation_h": o.DilationHFactor(), "dilation_w": o.DilationWFactor(),
             "activation": _ACT.get(o.FusedActivationFunction(), "?")}
        if kind == "DEPTHWISE_CONV_2D":
            d["depth_multiplier"] = o.DepthMultiplier()
        return d
    if kind == "FULLY_CONNECTED":
        o = _options(op, tflite.FullyConnectedOptions)
        if o is None:
            return {"activation": "NONE", "keep_num_dims": False, "weights_format": 0}
        return {"activation": _ACT.get(o.FusedActivationFunction(), "?"),
                "keep_num_dims": bool(o.KeepNumDims()), "weights_format": o.WeightsFormat()}
    if kind in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
        o = _options(op, tflite.Pool2DOptions)
        return {"padding": _PAD[o.Padding()], "stride_h": o.StrideH(), "stride_w": o.StrideW(),
                "filter_h": o.FilterHeight(), "filter_w": o.FilterWidth(),
                "activation": _ACT.get(o.FusedActivationFunction(), "?")}
    if kind in ("ADD", "MUL", "SUB"):
        cls = {"ADD": tflite.AddOptions, "MUL": tflite.MulOptions, "SUB": tflite.SubOptions}[kind]
        o = _options(op, cls)
        return {"activation": _ACT.get(o.FusedActivationFunction(), "?") if o else "NONE"}
    if kind == "SOFTMAX":
        o = _options(op, tflite.SoftmaxOptions)
        return {"beta": float(o.Beta()) if o else 1.0}
    if kind == "MEAN":
        o = _options(op, tflite.ReducerOptions)
        return {"keep_dims": bool(o.KeepDims()) if o else False}
    if kind == "CONCATENATION":
        o = _options(op, tflite.ConcatenationOptions)
        return {"axis": o.Axis(), "activation": _ACT.get(o.FusedActivationFunction(), "?")}
    # ---- TRANSPOSE_CONV, BATCH_MATMUL
    if kind == "TRANSPOSE_CONV":
        o = _options(op, tflite.TransposeConvOptions)
        return {"padding": _PAD[o.Padding()], "stride_h": o.StrideH(), "stride_w": o.StrideW(),
                "activation": _ACT.get(o.FusedActivationFunction(), "?")}
    if kind == "BATCH_MATMUL":
        o = _options(op, tflite.BatchMatMulOptions)
        return {"adj_x": bool(o.AdjX()) if o else False, "adj_y": bool(o.AdjY()) if o else False}
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
        raise ModelError(f"{name}: TFLite file is truncated or corrupt ({type(exc).__name__}); "
                         "re-export it with the TFLite converter") from None


def _parse(buf: bytes, name: str) -> Graph:
    model = tflite.Model.GetRootAsModel(buf, 0)
    if model.SubgraphsLength() != 1:
        raise ModelError(f"{name}: has {model.SubgraphsLength()} subgraphs; tinydeploy "
                         "supports single-subgraph models (no control flow or signatures "
                         "with several graphs)")
    sg = model.Subgraphs(0)
    tensors = []
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        ttype = t.Type()
        dtype = _TYPES.get(ttype, f"type{ttype}")
        shape = tuple(int(s) for s in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        sig = tuple(int(s) for s in t.ShapeSignatureAsNumpy()) if t.ShapeSignatureLength() else ()
        if any(s < 0 for s in sig[1:]) or any(s < 0 for s in shape):
            raise ModelError(f"{name}: tensor {i} has a dynamic shape {sig or shape}; "
                             "give the model fixed input shapes before converting")
        data = None
        b = model.Buffers(t.Buffer())
        if b is not None and b.DataLength() > 0:
            raw = b.DataAsNumpy().tobytes()
            nptype = np.dtype(dtype) if dtype in ("float32", "float16", "int32", "uint8",
                                                  "int64", "int16", "int8") else np.uint8
            data = np.frombuffer(raw, dtype=nptype).copy()
            if shape and data.size == int(np.prod(shape)):
                data = data.reshape(shape)
            elif not shape and data.size == 1:
                data = data.reshape(())
        elif b is not None and b.Offset() > 1:
            off, size = b.Offset(), b.Size()
            if off + size > len(buf):
                raise ModelError(f"{name}: tensor {i} data lies past the end of the file; "
                                 "the file is truncated")
            data = np.frombuffer(buf[off:off + size], dtype=np.dtype(dtype)).copy().reshape(shape)
        tname = (t.Name() or b"").decode("utf-8", "replace")
        tensors.append(Tensor(i, tname, shape, dtype, _quant(t), data))
    ops = []
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if builtin == tflite.BuiltinOperator.CUSTOM:
            kind = "CUSTOM:" + (code.CustomCode() or b"?").decode("utf-8", "replace")
        else:
            kind = BUILTIN_OPCODE2NAME.get(builtin, f"BUILTIN_{builtin}")
        ins = [int(x) for x in op.InputsAsNumpy()] if op.InputsLength() else []
        outs = [int(x) for x in op.OutputsAsNumpy()] if op.OutputsLength() else []
        for x in ins + outs:
            if x >= len(tensors):
                raise ModelError(f"{name}: layer {i} refers to tensor {x} but the model has "
                                 f"{len(tensors)}; the file is corrupt")
        try:
            opts = _parse_options(kind, op)
        except KeyError:
            opts = {}
        ops.append(Op(i, kind, ins, outs, opts))
    inputs = [int(x) for x in sg.InputsAsNumpy()]
    outputs = [int(x) for x in sg.OutputsAsNumpy()]
    gname = (sg.Name() or b"").decode("utf-8", "replace") or name
    return Graph(gname, tensors, ops, inputs, outputs)


def read_tflite(path: str | Path) -> bytes:
    """The bytes of a .tflite file, or a one-line ModelError (missing, a directory)."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ModelError(f"{p}: is a directory, expected a .tflite file") from None


def load_model(path: str | Path) -> Graph:
    """Read and validate a .tflite file; see module docstring."""
    p = Path(path)
    g = parse(read_tflite(p), name=p.stem)
    g.name = p.stem
    validate(g, where=str(p))
    return g
