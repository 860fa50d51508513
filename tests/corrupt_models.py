"""Damaged .tflite models: one per class of corruption the verifier must refuse, and the
mutations the reader fuzz test (test_reader_fuzz.py) applies at random.

    base_spec()         a small conv -> depthwise -> pool -> reshape -> FC -> softmax model
                        as tflite_builder data (tensors, ops, inputs, outputs)
    build_spec(spec)    its flatbuffer bytes
    CASES               name -> (bytes factory, text the refusal must contain)
    OP_CASES            single-op models whose output shape contradicts the op (same form)
    patch_u32(...)      overwrite one scalar field of a table in place (structure-aware)
    mutate(buf, rng)    one random mutation: bit flips, byte sets, truncation, field patches
"""
from __future__ import annotations

import copy
import struct

import numpy as np
import tflite

from tflite_builder import build, tensor


def base_spec() -> dict:
    rng = np.random.default_rng(0)
    w1 = rng.integers(-127, 128, (4, 3, 3, 3), dtype=np.int8)
    w2 = rng.integers(-127, 128, (1, 3, 3, 4), dtype=np.int8)
    w3 = rng.integers(-127, 128, (5, 64), dtype=np.int8)
    tensors = [
        tensor("input", [1, 8, 8, 3], "int8", 0.05, -3),                          # 0
        tensor("c1/w", [4, 3, 3, 3], "int8", [0.01, 0.02, 0.015, 0.012], [0] * 4, w1),
        tensor("c1/b", [4], "int32", [5e-4, 1e-3, 7.5e-4, 6e-4], [0] * 4,
               rng.integers(-500, 500, 4).astype(np.int32)),
        tensor("c1/out", [1, 8, 8, 4], "int8", 0.1, 2),                           # 3
        tensor("dw/w", [1, 3, 3, 4], "int8", [0.02] * 4, [0] * 4, w2, axis=3),
        tensor("dw/b", [4], "int32", [2e-3] * 4, [0] * 4, np.zeros(4, np.int32)),
        tensor("dw/out", [1, 8, 8, 4], "int8", 0.12, -1),                         # 6
        tensor("pool/out", [1, 4, 4, 4], "int8", 0.12, -1),                       # 7
        tensor("shape", [2], "int32", data=np.array([1, 64], np.int32)),
        tensor("flat", [1, 64], "int8", 0.12, -1),                                # 9
        tensor("fc/w", [5, 64], "int8", 0.01, 0, w3),
        tensor("fc/out", [1, 5], "int8", 0.3, 4),                                 # 11
        tensor("probs", [1, 5], "int8", 1.0 / 256, -128),                         # 12
    ]
    conv = {"Padding": 0, "StrideW": 1, "StrideH": 1, "DilationWFactor": 1, "DilationHFactor": 1}
    dw = dict(conv, DepthMultiplier=1)
    pool = {"Padding": 1, "StrideW": 2, "StrideH": 2, "FilterWidth": 2, "FilterHeight": 2}
    ops = [
        ["CONV_2D", [0, 1, 2], [3], ("Conv2DOptions", conv)],
        ["DEPTHWISE_CONV_2D", [3, 4, 5], [6], ("DepthwiseConv2DOptions", dw)],
        ["AVERAGE_POOL_2D", [6], [7], ("Pool2DOptions", pool)],
        ["RESHAPE", [7, 8], [9]],
        ["FULLY_CONNECTED", [9, 10, -1], [11]],
        ["SOFTMAX", [11], [12], ("SoftmaxOptions", {"Beta": 1.0})],
    ]
    return {"tensors": tensors, "ops": ops, "inputs": [0], "outputs": [12]}


def build_spec(spec: dict) -> bytes:
    return build(spec["tensors"], [tuple(op) for op in spec["ops"]], spec["inputs"],
                 spec["outputs"])


def _edit(fn):
    """A case built from an edited copy of the base spec."""
    def make() -> bytes:
        spec = copy.deepcopy(base_spec())
        fn(spec)
        return build_spec(spec)
    return make


def _opt(op_index: int, **fields):
    def fn(spec):
        kind, table = spec["ops"][op_index][3]
        spec["ops"][op_index][3] = (kind, dict(table, **fields))
    return _edit(fn)


def _tensor(ti: int, **fields):
    return _edit(lambda spec: spec["tensors"][ti].update(fields))


def patch_u32(buf: bytes, table, vtable_offset: int, value: int) -> bytes:
    """`buf` with one uint32 field of `table` (a tflite reader object) set to `value`."""
    o = table._tab.Offset(vtable_offset)
    assert o, "field not present in the table"
    pos = table._tab.Pos + o
    return buf[:pos] + struct.pack("<I", value & 0xFFFFFFFF) + buf[pos + 4:]


def _patched(what: str, value: int):
    def make() -> bytes:
        buf = build_spec(base_spec())
        m = tflite.Model.GetRootAsModel(buf, 0)
        sg = m.Subgraphs(0)
        if what == "buffer":
            return patch_u32(buf, sg.Tensors(1), 8, value)           # Tensor.buffer
        if what == "opcode":
            return patch_u32(buf, sg.Operators(5), 4, value)         # Operator.opcode_index
        if what == "padding":
            opts = sg.Operators(2).BuiltinOptions()
            t = tflite.Pool2DOptions()
            t.Init(opts.Bytes, opts.Pos)
            o = t._tab.Offset(4)                                     # Pool2DOptions.padding
            assert o, "padding field absent"                         # VALID (1) is stored
            pos = t._tab.Pos + o
            return buf[:pos] + bytes([value]) + buf[pos + 1:]
        raise ValueError(what)
    return make


def _reorder(spec):
    spec["ops"][1], spec["ops"][2] = spec["ops"][2], spec["ops"][1]


def _cycle(spec):
    spec["ops"][0][1][0] = 7                         # conv reads the pool's output


def _truncated() -> bytes:
    buf = build_spec(base_spec())
    return buf[:-1]


CASES = {
    "buffer index out of range": (_patched("buffer", 99), "refers to buffer 99"),
    "opcode index out of range": (_patched("opcode", 40), "operator code 40"),
    "tensor index out of range": (_edit(lambda s: s["ops"][4][1].__setitem__(1, 77)),
                                  "refers to tensor 77"),
    "negative tensor index": (_edit(lambda s: s["ops"][4][1].__setitem__(0, -5)),
                              "refers to tensor -5"),
    "output index -1": (_edit(lambda s: s["ops"][5][2].__setitem__(0, -1)),
                        "refers to tensor -1"),
    "weights without quantization": (_tensor(10, scale=None, zp=None),
                                     "tensor 10 (int8) has no quantization"),
    "activation without quantization": (_tensor(7, scale=None, zp=None),
                                        "tensor 7 (int8) has no quantization"),
    "scale 0": (_tensor(3, scale=0.0), "tensor 3 has quantization scale 0"),
    "scale inf": (_tensor(3, scale=float("inf")), "tensor 3 has quantization scale inf"),
    "scale nan": (_tensor(6, scale=float("nan")), "tensor 6 has quantization scale nan"),
    "activation scale 1e-40": (_tensor(7, scale=1e-40), "tensor 7 has quantization scale"),
    "per-channel count": (_tensor(1, scale=[0.01, 0.02, 0.03], zp=[0, 0, 0]),
                          "3 per-channel scales for 4 channels"),
    "int8 zero point 1000": (_tensor(3, zp=1000), "zero point 1000"),
    "unknown padding": (_patched("padding", 7), "padding unknown (7)"),
    "7-D tensor": (_tensor(12, shape=[1, 1, 1, 1, 1, 1, 5]), "7 dimensions"),
    "zero-sized dimension": (_tensor(7, shape=[1, 0, 4, 4]), "zero-sized dimension"),
    "model input out of range": (_edit(lambda s: s.update(inputs=[50])),
                                 "model input refers to tensor 50"),
    "model output is a weight": (_edit(lambda s: s.update(outputs=[10])),
                                 "model output tensor 10 is a constant"),
    "model input is a weight": (_edit(lambda s: s.update(inputs=[1])),
                                "model input tensor 1 is a constant"),
    "two ops write one tensor": (_edit(lambda s: s["ops"][2][2].__setitem__(0, 6)),
                                 "tensor 6 is written twice"),
    "buffer shorter than the tensor": (_tensor(10, data=np.zeros(100, np.int8)),
                                       "holds 100 int8 values, its shape [5, 64] needs 320"),
    "weight shape bigger than its buffer": (_tensor(1, shape=[4, 3, 3, 5]),
                                            "needs 180"),
    "dilation 0": (_opt(0, DilationHFactor=0), "dilation h 0"),
    "stride 0": (_opt(1, StrideW=0), "stride w 0"),
    "stride 10^6": (_opt(0, StrideH=1_000_000), "stride h 1000000"),
    "pool filter 0": (_opt(2, FilterWidth=0), "filter w 0"),
    "depth multiplier mismatch": (_opt(1, DepthMultiplier=3), "depth multiplier 3"),
    "not in execution order": (_edit(_reorder), "before any layer writes it"),
    "cycle": (_edit(_cycle), "before any layer writes it"),
    "output shape contradicts the op": (_tensor(7, shape=[1, 3, 3, 4]),
                                        "output shape [1, 3, 3, 4], the op computes [1, 4, 4, 4]"),
    "last byte cut": (_truncated, ""),
    "weights per-channel on a missing axis": (_tensor(1, axis=5),
                                              "tensor 1 has per-channel quantization on axis 5"),
    "weights left out as -1": (_edit(lambda s: s["ops"][4][1].__setitem__(1, -1)),
                               "layer 4 FULLY_CONNECTED leaves out its input 1"),
}


def _one_op(kind: str, consts: list, out_shape: list, options=None, x=(1, 4, 4, 8)):
    """A model of one `kind` op reading int8 [1, 4, 4, 8] and int32 constants, writing an
    int8 tensor of `out_shape`."""
    def make() -> bytes:
        t = [tensor("x", list(x), "int8", 0.1, 0)]
        for k, v in enumerate(consts):
            v = np.asarray(v)
            dtype = "int8" if v.dtype == np.int8 else "int32"
            scale = 0.01 if dtype == "int8" else None
            t.append(tensor(f"c{k}", list(v.shape), dtype, scale, 0 if scale else None,
                            v.astype(dtype)))
        t.append(tensor("y", out_shape, "int8", 0.1, 0))
        ins = list(range(len(t) - 1))
        if kind == "TRANSPOSE_CONV":                    # (output shape, weights, input)
            ins = [1, 2, 0]
        op = (kind, ins, [len(t) - 1]) + ((options,) if options else ())
        return build(t, [op], [0], [len(t) - 1])
    return make


_I32 = np.int32
OP_CASES = {
    "STRIDED_SLICE output": (_one_op(
        "STRIDED_SLICE", [np.array(v, _I32) for v in ([0, 1, 0, 0], [1, 3, 4, 8], [1, 1, 2, 1])],
        [1, 2, 3, 8], ("StridedSliceOptions", {})),
        "output shape [1, 2, 3, 8] holds 48 values, the op computes [1, 2, 2, 8]"),
    "GATHER output": (_one_op("GATHER", [np.array([7, 0, 2], _I32)], [1, 4, 4, 2],
                              ("GatherOptions", {"Axis": 3})),
                      "the op computes [1, 4, 4, 3]"),
    "MEAN output": (_one_op("MEAN", [np.array([1, 2], _I32)], [1, 4, 8],
                            ("ReducerOptions", {"KeepDims": True})),
                    "output shape [1, 4, 8] holds 32 values, the op computes [1, 1, 1, 8]"),
    "TRANSPOSE output": (_one_op("TRANSPOSE", [np.array([0, 3, 1, 2], _I32)], [1, 8, 4, 5]),
                         "the op computes [1, 8, 4, 4]"),
    "TRANSPOSE_CONV output channels": (_one_op(
        "TRANSPOSE_CONV", [np.array([1, 8, 8, 5], _I32), np.ones((6, 3, 3, 8), np.int8)],
        [1, 8, 8, 5], ("TransposeConvOptions", {"Padding": 0, "StrideW": 2, "StrideH": 2})),
        "output batch and channels [1, 5], the op computes [1, 6]"),
    "BATCH_MATMUL output": (_one_op("BATCH_MATMUL", [np.ones((2, 8, 5), np.int8)], [2, 4, 6],
                                    ("BatchMatMulOptions", {}), x=(2, 4, 8)),
                            "output shape [2, 4, 6], the op computes [2, 4, 5]"),
    "RESIZE_BILINEAR output": (_one_op("RESIZE_BILINEAR", [np.array([8, 8], _I32)],
                                       [1, 8, 6, 8], ("ResizeBilinearOptions", {})),
                               "output shape [1, 8, 6, 8], the op computes [1, 8, 8, 8]"),
    "DEPTH_TO_SPACE depth": (_one_op("DEPTH_TO_SPACE", [], [1, 8, 8, 2],
                                     ("DepthToSpaceOptions", {"BlockSize": 3})),
                             "depth 8 is not a multiple of the block size 3 squared"),
}


def mutate(buf: bytes, rng: np.random.Generator) -> bytes:
    """One random damage: flip bits, set bytes to extreme values, cut the file, or patch a
    random uint32-aligned word to a boundary value (indices, lengths, offsets)."""
    b = bytearray(buf)
    kind = rng.integers(0, 4)
    if kind == 0:
        for _ in range(int(rng.integers(1, 4))):
            i = int(rng.integers(0, len(b)))
            b[i] ^= 1 << int(rng.integers(0, 8))
    elif kind == 1:
        for _ in range(int(rng.integers(1, 3))):
            b[int(rng.integers(0, len(b)))] = int(rng.choice([0, 1, 0x7F, 0x80, 0xFF]))
    elif kind == 2:
        b = b[:int(rng.integers(0, len(b)))]
    else:
        i = int(rng.integers(0, max(len(b) // 4, 1))) * 4
        val = int(rng.choice([0, 1, 2, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, len(b), 1000]))
        b[i:i + 4] = struct.pack("<I", val)[:len(b[i:i + 4])]
    return bytes(b)
