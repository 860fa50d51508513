"""The reader's option parsers: one per TFLite options table (TFLite Micro's ParseConv2D,
ParsePool, ...), each taking a tflite Operator and returning the plain dict the compiler
uses: only the fields the kernels need. A missing table gives the schema defaults where
the converter may leave it out; an op record (opspec.OpSpec.options) names its parser.
"""
from __future__ import annotations

import tflite

_ACT = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}
_PAD = {0: "SAME", 1: "VALID"}


def _padding(value: int) -> str:
    return _PAD.get(value, f"unknown ({value})")


def _activation(o) -> str:
    return _ACT.get(o.FusedActivationFunction(), "?")


def _table(op, cls):
    table = op.BuiltinOptions()
    if table is None:
        return None
    opt = cls()
    opt.Init(table.Bytes, table.Pos)
    return opt


def _window(o) -> dict:
    return {"padding": _padding(o.Padding()), "stride_h": o.StrideH(), "stride_w": o.StrideW()}


def parse_conv2d(op) -> dict:
    o = _table(op, tflite.Conv2DOptions)
    return {**_window(o), "dilation_h": o.DilationHFactor(), "dilation_w": o.DilationWFactor(),
            "activation": _activation(o)}


def parse_depthwise_conv2d(op) -> dict:
    o = _table(op, tflite.DepthwiseConv2DOptions)
    return {**_window(o), "dilation_h": o.DilationHFactor(), "dilation_w": o.DilationWFactor(),
            "activation": _activation(o), "depth_multiplier": o.DepthMultiplier()}


def parse_fully_connected(op) -> dict:
    o = _table(op, tflite.FullyConnectedOptions)
    if o is None:
        return {"activation": "NONE", "keep_num_dims": False, "weights_format": 0}
    return {"activation": _activation(o), "keep_num_dims": bool(o.KeepNumDims()),
            "weights_format": o.WeightsFormat()}


def parse_pool(op) -> dict:
    o = _table(op, tflite.Pool2DOptions)
    return {**_window(o), "filter_h": o.FilterHeight(), "filter_w": o.FilterWidth(),
            "activation": _activation(o)}


def _fused_activation(cls):
    def parse(op) -> dict:
        o = _table(op, cls)
        return {"activation": _activation(o) if o else "NONE"}
    return parse


parse_add = _fused_activation(tflite.AddOptions)
parse_sub = _fused_activation(tflite.SubOptions)
parse_mul = _fused_activation(tflite.MulOptions)
parse_l2_normalization = _fused_activation(tflite.L2NormOptions)


def parse_softmax(op) -> dict:
    o = _table(op, tflite.SoftmaxOptions)
    return {"beta": float(o.Beta()) if o else 1.0}


def parse_reducer(op) -> dict:
    o = _table(op, tflite.ReducerOptions)
    return {"keep_dims": bool(o.KeepDims()) if o else False}


def parse_concatenation(op) -> dict:
    o = _table(op, tflite.ConcatenationOptions)
    return {"axis": o.Axis(), "activation": _activation(o)}


def parse_leaky_relu(op) -> dict:
    o = _table(op, tflite.LeakyReluOptions)
    return {"alpha": float(o.Alpha()) if o else 0.0}


def parse_gelu(op) -> dict:
    o = _table(op, tflite.GeluOptions)
    return {"approximate": bool(o.Approximate()) if o else False}


def parse_transpose_conv(op) -> dict:
    o = _table(op, tflite.TransposeConvOptions)
    return {**_window(o), "activation": _activation(o)}


def parse_batch_matmul(op) -> dict:
    o = _table(op, tflite.BatchMatMulOptions)
    return {"adj_x": bool(o.AdjX()) if o else False, "adj_y": bool(o.AdjY()) if o else False}


# ---- shape / data movement
def parse_strided_slice(op) -> dict:
    o = _table(op, tflite.StridedSliceOptions)
    if o is None:
        return {"begin_mask": 0, "end_mask": 0, "ellipsis_mask": 0, "new_axis_mask": 0,
                "shrink_axis_mask": 0, "offset": False}
    return {"begin_mask": o.BeginMask(), "end_mask": o.EndMask(),
            "ellipsis_mask": o.EllipsisMask(), "new_axis_mask": o.NewAxisMask(),
            "shrink_axis_mask": o.ShrinkAxisMask(), "offset": bool(o.Offset())}


def _splits(cls):
    def parse(op) -> dict:
        o = _table(op, cls)
        return {"num_splits": o.NumSplits() if o else len(op.OutputsAsNumpy())}
    return parse


parse_split = _splits(tflite.SplitOptions)
parse_split_v = _splits(tflite.SplitVOptions)


def parse_pack(op) -> dict:
    o = _table(op, tflite.PackOptions)
    return {"axis": o.Axis() if o else 0, "values_count": o.ValuesCount() if o else 0}


def parse_unpack(op) -> dict:
    o = _table(op, tflite.UnpackOptions)
    return {"axis": o.Axis() if o else 0, "num": o.Num() if o else 0}


def parse_gather(op) -> dict:
    o = _table(op, tflite.GatherOptions)
    return {"axis": o.Axis() if o else 0, "batch_dims": o.BatchDims() if o else 0}


def _block_size(cls):
    def parse(op) -> dict:
        o = _table(op, cls)
        return {"block_size": o.BlockSize() if o else 0}
    return parse


parse_depth_to_space = _block_size(tflite.DepthToSpaceOptions)
parse_space_to_depth = _block_size(tflite.SpaceToDepthOptions)


def _resize(cls):
    def parse(op) -> dict:
        o = _table(op, cls)
        return {"align_corners": bool(o.AlignCorners()) if o else False,
                "half_pixel_centers": bool(o.HalfPixelCenters()) if o else False}
    return parse


parse_resize_bilinear = _resize(tflite.ResizeBilinearOptions)
parse_resize_nearest_neighbor = _resize(tflite.ResizeNearestNeighborOptions)


def parse_mirror_pad(op) -> dict:
    """TFLite Micro's ParseMirrorPad: REFLECT only where the table says so; a missing table
    or an unknown mode runs as SYMMETRIC (offset 0 in mirror_pad.cc)."""
    o = _table(op, tflite.MirrorPadOptions)
    return {"mode": "REFLECT" if o is not None and o.Mode() == 0 else "SYMMETRIC"}
