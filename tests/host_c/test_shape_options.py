"""Options of the shape / data-movement ops that Keras does not produce, built by hand
(tests/tflite_builder.py) and checked against TFLite Micro: out-of-range begin/end that
TFLite clamps, reversed axes with begin/end masks, shrink of the last axis, a 5-D
TRANSPOSE, resizes from and to one row or column with every align_corners /
half_pixel_centers combination TFLite Micro takes; plus the one-line refusals (among
them what TFLite Micro refuses itself: a 6-D TRANSPOSE) and the symbols of a multi-output
op."""
import numpy as np
import pytest

from tinydeploy.compiler.cnames import symbol_kind
from tinydeploy.compiler.codegen import generate
from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.hostrun import HostModel
from tinydeploy.errors import ModelError

from bitexact import flavours
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]
Q = (0.07, -5)          # one quantization for input and output: these ops copy values


def _i32(name, values):
    v = np.asarray(values, np.int32)
    return tensor(name, list(v.shape), "int32", data=v)


def _one_op(kind, in_shape, out_shape, consts, options) -> bytes:
    """input -> kind(input, *consts) -> output, int8 in and out with one quantization."""
    tensors = [tensor("x", in_shape, "int8", *Q)] + [_i32(f"c{k}", c) for k, c in
                                                    enumerate(consts)]
    tensors.append(tensor("y", out_shape, "int8", *Q))
    ins = list(range(len(consts) + 1))
    return build(tensors, [(kind, ins, [len(tensors) - 1], options)], [0], [len(tensors) - 1])


def _check(buf, flags=None, n=6):
    compiled = compile_model(buf)
    size = int(np.prod(compiled.graph.t(compiled.graph.inputs[0]).shape))
    x = np.random.default_rng(5).integers(-128, 128, (n, size), dtype=np.int8)
    hm = HostModel(compiled.program, compiled.plan, buf, extra_flags=flags)
    try:
        ours = hm.run(x)
    finally:
        hm.close()
    ref = run_tflm(buf, x).reshape(ours.shape)
    np.testing.assert_array_equal(ours, ref)
    assert len(np.unique(ours)) > 8                 # a real comparison, not all one value


def _ss(begin, end, strides, out_shape, begin_mask=0, end_mask=0, shrink=0):
    opts = ("StridedSliceOptions", {"BeginMask": begin_mask, "EndMask": end_mask,
                                    "ShrinkAxisMask": shrink})
    return _one_op("STRIDED_SLICE", [1, 5, 6, 3], out_shape, [begin, end, strides], opts)


STRIDED = {
    "reverse_clamped_end": ([0, -1, 5, 2], [1, -9, -9, -9], [1, -1, -2, -1], [1, 5, 3, 3]),
    "end_past_size": ([0, 1, -99, 0], [1, 100, 6, 3], [1, 3, 4, 1], [1, 2, 2, 3]),
    "shrink_last_negative": ([0, 0, 0, -1], [1, 5, 6, 0], [1, 1, 1, 1], [1, 5, 6], 0, 0, 8),
    "masks_reversed": ([0, 2, 3, 0], [1, 0, 0, 3], [1, -1, -1, 1], [1, 4, 4, 3], 2, 4),
    "shrink_two_axes": ([0, 3, 0, 1], [1, 4, 6, 2], [1, 1, -1, 1], [1, 6], 4, 4, 10),
}


@pytest.mark.parametrize("case", list(STRIDED))
@flavours
def test_strided_slice_options(case, flags):
    begin, end, strides, out, *masks = STRIDED[case]
    _check(_ss(begin, end, strides, out, *masks), flags)


@flavours
def test_transpose_5d_of_odd_sizes(flags):
    shape, perm = [1, 3, 2, 5, 3], [0, 4, 2, 1, 3]
    _check(_one_op("TRANSPOSE", shape, [shape[p] for p in perm], [perm],
                   ("TransposeOptions", {})), flags)


RESIZE_SIZES = [((1, 1), (3, 4)), ((5, 3), (2, 7)), ((4, 4), (8, 8)), ((7, 2), (3, 1))]
RESIZE_MODES = [(False, False), (True, False), (False, True)]


@pytest.mark.parametrize("kind, table", [("RESIZE_BILINEAR", "ResizeBilinearOptions"),
                                         ("RESIZE_NEAREST_NEIGHBOR",
                                          "ResizeNearestNeighborOptions")])
@pytest.mark.parametrize("sizes", RESIZE_SIZES, ids=lambda s: f"{s[0]}to{s[1]}")
@pytest.mark.parametrize("align, half", RESIZE_MODES, ids=["plain", "align", "half"])
def test_resize_modes_and_sizes(kind, table, sizes, align, half):
    (ih, iw), (oh, ow) = sizes
    opts = (table, {"AlignCorners": align, "HalfPixelCenters": half})
    _check(_one_op(kind, [1, ih, iw, 5], [1, oh, ow, 5], [[oh, ow]], opts))


def test_split_layers_get_one_kernel_call_and_unique_symbols_per_output():
    tensors = [tensor("x", [1, 4, 6], "int8", *Q), _i32("axis", [-1]),
               tensor("a", [1, 4, 2], "int8", *Q), tensor("b", [1, 4, 2], "int8", *Q),
               tensor("c", [1, 4, 2], "int8", *Q), tensor("y", [1, 4, 6], "int8", *Q)]
    ops = [("SPLIT", [1, 0], [2, 3, 4], ("SplitOptions", {"NumSplits": 3})),
           ("CONCATENATION", [4, 2, 3], [5], ("ConcatenationOptions", {"Axis": 2}))]
    buf = build(tensors, ops, [0], [5])
    compiled = compile_model(buf)
    split = [la for la in compiled.program.layers if la.op == "SPLIT"]
    assert [la.tag for la in split] == ["0o0", "0o1", "0o2"]
    assert [la.output for la in split] == [2, 3, 4]
    text = generate(compiled.program, compiled.plan)["model/td_model.c"]
    for k in range(3):
        assert f"td_l0o{k}_p" in text and f"TD_L0O{k}_ROW" in text
    assert "td_l1_p" in text                       # single layers keep their names
    assert symbol_kind("td_l0o2_p") == "params" and symbol_kind("td_l1_inner") == "const"
    _check(buf)


@pytest.mark.parametrize("buf, what", [
    (_one_op("STRIDED_SLICE", [1, 5, 6, 3], [1, 5, 6, 3],
             [[0, 0], [1, 5], [1, 1]], ("StridedSliceOptions", {"EllipsisMask": 1})),
     "ellipsis_mask"),
    (_one_op("GATHER", [1, 5, 6, 3], [1, 2, 6, 3], [[1, 5]], ("GatherOptions", {"Axis": 1})),
     "index out of range"),
    (_one_op("RESIZE_BILINEAR", [1, 3, 3, 2], [1, 5, 5, 2], [[5, 5]],
             ("ResizeBilinearOptions", {"AlignCorners": True, "HalfPixelCenters": True})),
     "align_corners and half_pixel_centers"),
    (_one_op("TRANSPOSE", [1, 2, 3, 2, 2, 3], [1, 3, 2, 2, 3, 2], [[0, 5, 3, 1, 4, 2]],
             ("TransposeOptions", {})), "TFLite Micro's TRANSPOSE takes 1-D to 5-D"),
], ids=["ellipsis", "gather_range", "bilinear_both", "transpose_6d"])
def test_refusals_are_one_line_naming_the_layer(buf, what):
    with pytest.raises(ModelError) as err:
        compile_model(buf)
    msg = str(err.value)
    assert "\n" not in msg and "layer 0 " in msg and what in msg
