"""Zoo models of the shape / data-movement family (TRANSPOSE, STRIDED_SLICE, SLICE, SPLIT,
SPLIT_V, PACK, UNPACK, GATHER, DEPTH_TO_SPACE, SPACE_TO_DEPTH, RESIZE_NEAREST_NEIGHBOR,
RESIZE_BILINEAR). zoo.py takes SPECS into its registry; entries are in its format
(builder(x, L), input shape, ops the converted model contains, note[, batch]).

Converter facts (TF 2.21) these entries encode:
* Permute -> TRANSPOSE; Cropping1D/2D -> STRIDED_SLICE (no SLICE); tf.slice -> SLICE.
* tf.split with equal parts -> SPLIT, with sizes -> SPLIT_V; tf.unstack -> UNPACK,
  tf.stack -> PACK; tf.gather with a constant index list -> GATHER (int32 indices).
* UpSampling2D(nearest) -> RESIZE_NEAREST_NEIGHBOR (half_pixel_centers), bilinear ->
  RESIZE_BILINEAR (half_pixel_centers); tf.compat.v1 resizes keep align_corners /
  half_pixel_centers as given.
* The data-movement ops get the same scale and zero point on input and output.
"""
from __future__ import annotations


def _tf():
    import tensorflow as tf
    return tf


def _conv(L, x, ch, k=1):
    return L.Conv2D(ch, k, padding="same")(x)


def permute(x, L):
    y = L.Permute((2, 1, 3))(_conv(L, x, 4))          # [1,7,5,4]
    return L.Permute((3, 1, 2))(y)                     # [1,4,7,5]


def permute_5d(x, L):
    return L.Permute((3, 1, 4, 2))(x)                  # [1,3,4,2,5] -> [1,2,3,5,4]


def cropping(x, L):
    y = L.Cropping2D(((1, 2), (0, 3)))(_conv(L, x, 3))
    return L.Conv2D(2, 1)(y)


def cropping1d(x, L):
    y = L.Cropping1D((2, 1))(L.Conv1D(4, 1)(x))
    return L.Conv1D(3, 1)(y)


def strided_lambda(x, L):
    y = _conv(L, x, 5)
    a = L.Lambda(lambda t: t[:, 1:7:2, ::-1, :])(y)          # [1,3,5,5] strides 2, -1
    b = L.Lambda(lambda t: t[:, -3:, 0:5:2, 1:4])(y)         # [1,3,3,3]
    a2 = L.Lambda(lambda t: t[:, :, 1:4, ::-2])(a)           # [1,3,3,3] stride -2
    return L.Concatenate()([a2, b])


def strided_shrink(x, L):
    y = _conv(L, x, 4)
    a = L.Lambda(lambda t: t[:, 2, :, :])(y)                  # shrink axis 1 -> [1,5,4]
    b = L.Lambda(lambda t: t[:, -1, ::-1, :])(y)              # shrink with negative begin
    return L.Add()([a, b])


def slice_op(x, L):
    tf = _tf()
    y = _conv(L, x, 5)
    a = L.Lambda(lambda t: tf.slice(t, [0, 1, 2, 0], [1, 3, -1, 2]))(y)   # [1,3,4,2]
    b = L.Lambda(lambda t: tf.slice(t, [0, 0, 0, 3], [1, 3, 4, 2]))(y)
    return L.Concatenate()([a, b])


def split_channels(x, L):
    tf = _tf()
    y = _conv(L, x, 6)
    a, b, c = L.Lambda(lambda t: tf.split(t, 3, axis=-1))(y)
    return L.Concatenate()([c, a, b])


def split_spatial(x, L):
    tf = _tf()
    y = _conv(L, x, 3)
    a, b = L.Lambda(lambda t: tf.split(t, 2, axis=1))(y)
    return L.Add()([b, a])


def splitv_channels(x, L):
    tf = _tf()
    y = _conv(L, x, 6)
    a, b, c = L.Lambda(lambda t: tf.split(t, [1, 3, 2], axis=3))(y)
    return L.Concatenate()([b, c, a])


def splitv_spatial(x, L):
    tf = _tf()
    y = _conv(L, x, 3)
    a, b = L.Lambda(lambda t: tf.split(t, [2, 3], axis=-2))(y)
    return L.Concatenate(axis=2)([b, a])


def unstack_stack(x, L):
    tf = _tf()
    y = _conv(L, x, 4)
    parts = L.Lambda(lambda t: tf.unstack(t, axis=1))(y)       # 3 x [1,5,4]
    return L.Lambda(lambda ts: tf.stack(ts[::-1], axis=2))(parts)   # [1,5,3,4]


def unstack_channels(x, L):
    tf = _tf()
    y = _conv(L, x, 3)
    a, b, c = L.Lambda(lambda t: tf.unstack(t, axis=-1))(y)    # 3 x [1,4,5]
    return L.Lambda(lambda ts: tf.stack(ts, axis=1))([L.Add()([a, b]), c])   # [1,2,4,5]


def gather_axes(x, L):
    tf = _tf()
    y = _conv(L, x, 5)                                         # [1,4,6,5]
    a = L.Lambda(lambda t: tf.gather(t, [3, 0, 0, 2], axis=1))(y)      # [1,4,6,5]
    b = L.Lambda(lambda t: tf.gather(t, [5, 1, 1, 4, 0, 2], axis=-2))(a)
    c = L.Lambda(lambda t: tf.gather(t, [4, 4, 0, 1, 3], axis=3))(b)
    return c


def gather_axis0(x, L):
    tf = _tf()
    y = _conv(L, x, 3)                                         # [1,4,5,3]
    r = L.Lambda(lambda t: tf.reshape(t, [4, 15]))(y)
    g = L.Lambda(lambda t: tf.gather(t, [2, 2, 0, 3, 1], axis=0))(r)   # [5,15]
    return L.Lambda(lambda t: tf.reshape(t, [1, 5, 5, 3]))(g)


def depth_to_space(x, L):
    tf = _tf()
    y = _conv(L, x, 12)
    return L.Lambda(lambda t: tf.nn.depth_to_space(t, 2))(y)   # [1,6,10,3]


def space_to_depth(x, L):
    tf = _tf()
    y = _conv(L, x, 3)
    return L.Lambda(lambda t: tf.nn.space_to_depth(t, 3))(y)   # [1,2,3,27]


def upsample_nearest(x, L):
    return L.UpSampling2D((2, 3), interpolation="nearest")(_conv(L, x, 3))


def upsample_bilinear(x, L):
    return L.UpSampling2D((2, 2), interpolation="bilinear")(_conv(L, x, 3))


def _v1_resize(fn, size, **kw):
    def body(x, L):
        tf = _tf()
        f = getattr(tf.compat.v1.image, fn)
        return L.Lambda(lambda t: f(t, size, **kw))(_conv(L, x, 3))
    body.__name__ = f"{fn}_{size[0]}x{size[1]}_{'_'.join(k for k, v in kw.items() if v)}"
    return body


_RB, _RN = "resize_bilinear", "resize_nearest_neighbor"
_BI, _NN = {"CONV_2D", "RESIZE_BILINEAR"}, {"CONV_2D", "RESIZE_NEAREST_NEIGHBOR"}

SPECS = {
    "transpose_perm": (permute, (5, 7, 3), {"CONV_2D", "TRANSPOSE"},
                       "Permute((2,1,3)) then Permute((3,1,2)): the converter merges them into one "
                       "TRANSPOSE [1,5,7,4] -> [1,4,7,5] (perm 0,3,2,1)"),
    "transpose_5d": (permute_5d, (3, 4, 2, 5), {"TRANSPOSE"},
                     "Permute((3,1,4,2)) on a 5-D tensor"),
    "crop2d": (cropping, (8, 9, 3), {"CONV_2D", "STRIDED_SLICE"},
               "Cropping2D(((1,2),(0,3)))"),
    "crop1d": (cropping1d, (10, 4), {"CONV_2D", "RESHAPE", "STRIDED_SLICE"},
               "Cropping1D((2,1)) between Conv1Ds"),
    "strided_slice_steps": (strided_lambda, (8, 7, 3),
                            {"CONV_2D", "STRIDED_SLICE", "CONCATENATION"},
                            "x[:,1:7:2,::-1], x[:,-3:,0:5:2,1:4], x[:,:,1:4,::-2]: strides "
                            "2/-1/-2, negative begin, begin/end masks"),
    "strided_slice_shrink": (strided_shrink, (6, 5, 3), {"CONV_2D", "STRIDED_SLICE", "ADD"},
                             "x[:,2], x[:,-1,::-1]: shrink_axis_mask, negative index"),
    "slice_sizes": (slice_op, (5, 6, 3), {"CONV_2D", "SLICE", "CONCATENATION"},
                    "tf.slice with size -1 and an explicit size"),
    "split_channels": (split_channels, (4, 5, 3), {"CONV_2D", "SPLIT", "CONCATENATION"},
                       "tf.split(3, axis=-1), parts concatenated in another order"),
    "split_spatial": (split_spatial, (6, 5, 3), {"CONV_2D", "SPLIT", "ADD"},
                      "tf.split(2, axis=1) (rows), parts added"),
    "splitv_channels": (splitv_channels, (4, 5, 3),
                        {"CONV_2D", "SPLIT_V", "CONCATENATION"},
                        "tf.split([1,3,2], axis=3)"),
    "splitv_spatial": (splitv_spatial, (4, 5, 3), {"CONV_2D", "SPLIT_V", "CONCATENATION"},
                       "tf.split([2,3], axis=-2) (columns)"),
    "unstack_stack": (unstack_stack, (3, 5, 3), {"CONV_2D", "UNPACK", "PACK"},
                      "tf.unstack(axis=1) into 3, tf.stack(reversed, axis=2)"),
    "unstack_channels": (unstack_channels, (4, 5, 3), {"CONV_2D", "UNPACK", "ADD", "PACK"},
                         "tf.unstack(axis=-1), ADD, tf.stack(axis=1)"),
    "gather_axes": (gather_axes, (4, 6, 3), {"CONV_2D", "GATHER"},
                    "tf.gather on axes 1, -2 and 3 with repeated, unordered indices"),
    "gather_axis0": (gather_axis0, (4, 5, 3), {"CONV_2D", "RESHAPE", "GATHER"},
                     "tf.gather axis 0 of a [4,15] reshape, repeats"),
    "depth_to_space": (depth_to_space, (3, 5, 2), {"CONV_2D", "DEPTH_TO_SPACE"},
                       "tf.nn.depth_to_space block 2, 12 -> 3 channels"),
    "space_to_depth": (space_to_depth, (6, 9, 2), {"CONV_2D", "SPACE_TO_DEPTH"},
                       "tf.nn.space_to_depth block 3"),
    "upsample_nearest": (upsample_nearest, (3, 4, 2), _NN,
                         "UpSampling2D((2,3), nearest): half_pixel_centers"),
    "upsample_bilinear": (upsample_bilinear, (3, 5, 2), _BI,
                          "UpSampling2D((2,2), bilinear): half_pixel_centers"),
    "resize_bilinear_align": (_v1_resize(_RB, (7, 4), align_corners=True), (4, 6, 2), _BI,
                              "v1 resize_bilinear align_corners, 4x6 -> 7x4 (up and down)"),
    "resize_bilinear_half": (_v1_resize(_RB, (5, 9), half_pixel_centers=True), (3, 7, 2), _BI,
                             "v1 resize_bilinear half_pixel_centers, 3x7 -> 5x9"),
    "resize_bilinear_plain": (_v1_resize(_RB, (6, 3)), (4, 5, 3), _BI,
                              "v1 resize_bilinear, neither option, 4x5 -> 6x3"),
    "resize_nearest_align": (_v1_resize(_RN, (7, 4), align_corners=True), (4, 6, 2), _NN,
                             "v1 resize_nearest_neighbor align_corners, 4x6 -> 7x4"),
    "resize_nearest_half": (_v1_resize(_RN, (5, 9), half_pixel_centers=True), (3, 7, 2), _NN,
                            "v1 resize_nearest_neighbor half_pixel_centers, 3x7 -> 5x9"),
    "resize_nearest_plain": (_v1_resize(_RN, (6, 3)), (4, 5, 3), _NN,
                             "v1 resize_nearest_neighbor, neither option, 4x5 -> 6x3"),
}
