"""Build small .tflite flatbuffers without TensorFlow, for tests of the reader, the
validation errors and name sanitising. Ops are built without builtin options (the reader
and TFLite Micro use defaults), which covers FULLY_CONNECTED, RESHAPE, SOFTMAX, ADD, ..."""
from __future__ import annotations

import importlib

import flatbuffers
import numpy as np
from tflite.utils import BUILTIN_OPCODE2NAME

_NAME2CODE = {v: k for k, v in BUILTIN_OPCODE2NAME.items()}
_TYPES = {"float32": 0, "int32": 2, "uint8": 3, "int64": 4, "int16": 7, "int8": 9, "int4": 17}


def pack_int4(values) -> bytes:
    """int values -8..7 as TFLite's packed INT4: two a byte, the first in the low nibble."""
    v = np.asarray(values, np.int8).reshape(-1)
    v = np.concatenate([v, np.zeros(v.size % 2, np.int8)]).astype(np.uint8) & 0xF
    return (v[0::2] | (v[1::2] << 4)).astype(np.uint8).tobytes()


def _m(name):
    return importlib.import_module(f"tflite.{name}")


def _ivec(b, start_fn, values, elem=4, prepend="PrependInt32"):
    start_fn(b, len(values))
    for v in reversed(values):
        getattr(b, prepend)(v)
    return b.EndVector()


def _options(b, table: str, fields: dict):
    """Build a builtin options table, e.g. ("SoftmaxOptions", {"Beta": 1.0})."""
    mod = _m(table)
    getattr(mod, f"{table}Start")(b)
    for field, value in fields.items():
        getattr(mod, f"{table}Add{field}")(b, value)
    return getattr(mod, f"{table}End")(b)


def tensor(name, shape, dtype="int8", scale=None, zp=None, data=None, signature=None, axis=0,
           variable=False):
    """axis: the quantized dimension of per-channel scales; variable: Tensor.is_variable
    (state kept across invocations)."""
    return dict(name=name, shape=list(shape), dtype=dtype, scale=scale, zp=zp, data=data,
                signature=signature, axis=axis, variable=variable)


def build(tensors, ops, inputs, outputs, subgraphs=1, description="test") -> bytes:
    """ops: list of (builtin name or 'CUSTOM:name', [input idx], [output idx])."""
    b = flatbuffers.Builder(1024)
    T, Q, B, O, OC, SG, M = (_m(n) for n in ("Tensor", "QuantizationParameters", "Buffer",
                                               "Operator", "OperatorCode", "SubGraph", "Model"))
    # Buffers: 0 is the empty sentinel, then one per constant tensor.
    buffers, buf_index = [], []
    for t in tensors:
        if t["data"] is None:
            buf_index.append(0)
        else:
            raw = (pack_int4(t["data"]) if t["dtype"] == "int4"
                   else np.asarray(t["data"], dtype=t["dtype"]).tobytes())
            buffers.append(raw)
            buf_index.append(len(buffers))
    buf_offsets = []
    for raw in [b""] + buffers:
        data_off = b.CreateByteVector(raw) if raw else None
        B.BufferStart(b)
        if data_off is not None:
            B.BufferAddData(b, data_off)
        buf_offsets.append(B.BufferEnd(b))

    def tensors_vec():
        offs = []
        for i, t in enumerate(tensors):
            name = b.CreateString(t["name"])
            shape = _ivec(b, T.TensorStartShapeVector, t["shape"])
            sig = _ivec(b, T.TensorStartShapeSignatureVector, t["signature"]) if t["signature"] else None
            q = None
            if t["scale"] is not None:
                scales = np.atleast_1d(np.asarray(t["scale"], np.float32)).tolist()
                zps = np.atleast_1d(np.asarray(t["zp"] if t["zp"] is not None else 0)).tolist()
                sv = _ivec(b, Q.QuantizationParametersStartScaleVector, scales, prepend="PrependFloat32")
                zv = _ivec(b, Q.QuantizationParametersStartZeroPointVector, [int(z) for z in zps],
                           prepend="PrependInt64")
                Q.QuantizationParametersStart(b)
                Q.QuantizationParametersAddScale(b, sv)
                Q.QuantizationParametersAddZeroPoint(b, zv)
                if t.get("axis"):
                    Q.QuantizationParametersAddQuantizedDimension(b, t["axis"])
                q = Q.QuantizationParametersEnd(b)
            T.TensorStart(b)
            T.TensorAddShape(b, shape)
            if sig is not None:
                T.TensorAddShapeSignature(b, sig)
            T.TensorAddType(b, _TYPES[t["dtype"]])
            T.TensorAddBuffer(b, buf_index[i])
            T.TensorAddName(b, name)
            if q is not None:
                T.TensorAddQuantization(b, q)
            if t.get("variable"):
                T.TensorAddIsVariable(b, True)
            offs.append(T.TensorEnd(b))
        SG.SubGraphStartTensorsVector(b, len(offs))
        for o in reversed(offs):
            b.PrependUOffsetTRelative(o)
        return b.EndVector()

    kinds = sorted({op[0] for op in ops})
    codes = []
    for k in kinds:
        custom = b.CreateString(k.split(":", 1)[1]) if k.startswith("CUSTOM:") else None
        code = 32 if custom is not None else _NAME2CODE[k]
        OC.OperatorCodeStart(b)
        OC.OperatorCodeAddBuiltinCode(b, code)
        OC.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
        OC.OperatorCodeAddVersion(b, 1)
        if custom is not None:
            OC.OperatorCodeAddCustomCode(b, custom)
        codes.append(OC.OperatorCodeEnd(b))

    sgs = []
    for _ in range(subgraphs):
        tv = tensors_vec()
        op_offs = []
        for kind, ins, outs, *opt in ops:
            iv = _ivec(b, O.OperatorStartInputsVector, ins)
            ov = _ivec(b, O.OperatorStartOutputsVector, outs)
            opt_off = _options(b, *opt[0]) if opt else None
            O.OperatorStart(b)
            O.OperatorAddOpcodeIndex(b, kinds.index(kind))
            O.OperatorAddInputs(b, iv)
            O.OperatorAddOutputs(b, ov)
            if opt_off is not None:
                O.OperatorAddBuiltinOptionsType(b, getattr(_m("BuiltinOptions").BuiltinOptions, opt[0][0]))
                O.OperatorAddBuiltinOptions(b, opt_off)
            op_offs.append(O.OperatorEnd(b))
        SG.SubGraphStartOperatorsVector(b, len(op_offs))
        for o in reversed(op_offs):
            b.PrependUOffsetTRelative(o)
        opv = b.EndVector()
        inv = _ivec(b, SG.SubGraphStartInputsVector, inputs)
        outv = _ivec(b, SG.SubGraphStartOutputsVector, outputs)
        name = b.CreateString("main")
        SG.SubGraphStart(b)
        SG.SubGraphAddTensors(b, tv)
        SG.SubGraphAddOperators(b, opv)
        SG.SubGraphAddInputs(b, inv)
        SG.SubGraphAddOutputs(b, outv)
        SG.SubGraphAddName(b, name)
        sgs.append(SG.SubGraphEnd(b))

    M.ModelStartOperatorCodesVector(b, len(codes))
    for c in reversed(codes):
        b.PrependUOffsetTRelative(c)
    codes_v = b.EndVector()
    M.ModelStartSubgraphsVector(b, len(sgs))
    for s in reversed(sgs):
        b.PrependUOffsetTRelative(s)
    sg_v = b.EndVector()
    M.ModelStartBuffersVector(b, len(buf_offsets))
    for o in reversed(buf_offsets):
        b.PrependUOffsetTRelative(o)
    buf_v = b.EndVector()
    desc = b.CreateString(description)
    M.ModelStart(b)
    M.ModelAddVersion(b, 3)
    M.ModelAddOperatorCodes(b, codes_v)
    M.ModelAddSubgraphs(b, sg_v)
    M.ModelAddBuffers(b, buf_v)
    M.ModelAddDescription(b, desc)
    b.Finish(M.ModelEnd(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def fc_softmax_model(in_name="input", out_name="probs", in_features=16, classes=5, seed=0) -> bytes:
    """A dense classifier: FULLY_CONNECTED (per-tensor int8) -> SOFTMAX, int8 in and out."""
    rng = np.random.default_rng(seed)
    w = rng.integers(-127, 128, size=(classes, in_features), dtype=np.int8)
    bias = rng.integers(-2000, 2000, size=(classes,), dtype=np.int32)
    tensors = [
        tensor(in_name, [1, in_features], "int8", 0.05, -3),
        tensor("dense/weights", [classes, in_features], "int8", 0.01, 0, w),
        tensor("dense/bias", [classes], "int32", 0.05 * 0.01, 0, bias),
        tensor("dense/out", [1, classes], "int8", 0.2, 5),
        tensor(out_name, [1, classes], "int8", 1.0 / 256, -128),
    ]
    ops = [("FULLY_CONNECTED", [0, 1, 2], [3], ("FullyConnectedOptions", {})),
           ("SOFTMAX", [3], [4], ("SoftmaxOptions", {"Beta": 1.0}))]
    return build(tensors, ops, [0], [4])
