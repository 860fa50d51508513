"""Built-in model families: small tf_keras classifiers with a few knobs each.

Contract (shared with the design-space search, do not change lightly):
- `FAMILIES: dict[str, Family]`, names "ds_cnn", "mobilenet_v1", "resnet", "conv1d", "mlp".
- `Family(name, space, defaults, build)`: `space` maps knob -> list of choices (the search
  space), `defaults` the knobs that train well on small data sets, `build(input_shape,
  classes, knobs) -> tf_keras.Model` with the knobs complete.
- `build(name, input_shape, classes, knobs=None)`: knobs default to Family.defaults (a
  partial dict is completed with them); an unknown family or knob, a knob value of the wrong
  kind, or an input shape the family cannot take -> TinyDeployError in one line. A knob value
  outside `space` is allowed (the space is what a search tries, not a limit).
- `parse_knobs(name, ["k=v", ...])` -> knob dict with each value typed like the default.

Every model is a tf_keras functional model (tfmot trains it, convert takes it), float32,
input `input_shape` without batch, ending in Dense(classes) + softmax (classes >= 2) or
Dense(1) + sigmoid (classes == 1), built only from ops the compiler has int8 kernels for
(CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, MEAN, ADD, MAX_POOL_2D, RESHAPE, SOFTMAX).
BatchNormalization follows each convolution (the converter folds it into the weights).
Input shapes: ds_cnn, mobilenet_v1 and resnet take (H, W) or (H, W, C); conv1d takes (T,)
or (T, C); mlp takes any shape (flattened). Strides of 2 are only applied while the spatial
size is at least 4, so small inputs (8x8 digits) keep a feature map.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import TinyDeployError

__all__ = ["FAMILIES", "Family", "build", "parse_knobs"]


@dataclass(frozen=True)
class Family:
    name: str
    space: dict[str, list]
    defaults: dict
    build: Callable = field(repr=False)
    doc: str = ""


def build(name: str, input_shape: tuple, classes: int, knobs: dict | None = None):
    """The tf_keras model of family `name` for `input_shape` (no batch) and `classes`."""
    fam = _family(name)
    full = dict(fam.defaults)
    for k, v in (knobs or {}).items():
        if k not in fam.space:
            raise TinyDeployError(f"family {name} has no knob {k!r}; its knobs: "
                                  + ", ".join(f"{n} {c}" for n, c in fam.space.items()))
        full[k] = _check_value(name, k, v, fam.defaults[k])
    shape = tuple(int(d) for d in input_shape)
    if not shape or any(d < 1 for d in shape):
        raise TinyDeployError(f"family {name}: invalid input shape {list(input_shape)}")
    if int(classes) != classes or classes < 1:
        raise TinyDeployError(f"family {name}: classes must be a positive integer (got "
                              f"{classes})")
    import tf_keras  # noqa: F401 - fail here with ImportError text if missing

    from .tfenv import import_tf
    import_tf()
    return fam.build(shape, int(classes), full)


def parse_knobs(name: str, items) -> dict:
    """["width=32", "depth=2"] -> {"width": 32, "depth": 2}, typed like the defaults."""
    fam = _family(name)
    out = {}
    for item in items or ():
        key, sep, val = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise TinyDeployError(f"--knob takes KNOB=VALUE, e.g. width=16 (got {item!r})")
        if key not in fam.space:
            raise TinyDeployError(f"family {name} has no knob {key!r}; its knobs: "
                                  + ", ".join(f"{n} {c}" for n, c in fam.space.items()))
        kind = type(fam.defaults[key])
        try:
            out[key] = kind(float(val)) if kind is int and float(val).is_integer() else kind(val)
        except ValueError:
            raise TinyDeployError(f"--knob {key}: {val!r} is not a {kind.__name__}") from None
    return out


def _family(name: str) -> Family:
    if name not in FAMILIES:
        raise TinyDeployError(f"unknown model family {name!r}; choose one of "
                              + ", ".join(FAMILIES))
    return FAMILIES[name]


def _check_value(name, key, v, default):
    kind = type(default)
    ok = (isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0
          and (kind is float or float(v).is_integer()))
    if not ok:
        raise TinyDeployError(f"family {name}: knob {key} takes a positive "
                              f"{kind.__name__} (got {v!r})")
    return kind(v)


# ---------------------------------------------------------------- shared pieces

def _image_input(tfk, name, shape):
    """Input + reshape to (H, W, C); refuses shapes that are not 2-D or 3-D."""
    if len(shape) not in (2, 3):
        raise TinyDeployError(f"family {name} needs 2-D (H, W) or 3-D (H, W, C) input, got "
                              f"shape {list(shape)}; use conv1d for sequences or mlp")
    inp = tfk.Input(shape)
    x = inp if len(shape) == 3 else tfk.layers.Reshape((*shape, 1))(inp)
    return inp, x


def _stride(x, want: int) -> int:
    """`want` (1 or 2), but 1 once the spatial size is below 4."""
    return want if want > 1 and min(int(d) for d in x.shape[1:-1]) >= 4 else 1


def _conv_bn(tfk, x, filters, kernel, stride=1, act=True):
    L = tfk.layers
    x = L.Conv2D(filters, kernel, strides=_stride(x, stride), padding="same",
                 use_bias=False)(x)
    x = L.BatchNormalization()(x)
    return L.ReLU()(x) if act else x


def _dw_sep(tfk, x, filters, stride=1):
    L = tfk.layers
    x = L.DepthwiseConv2D(3, strides=_stride(x, stride), padding="same", use_bias=False)(x)
    x = L.ReLU()(L.BatchNormalization()(x))
    return _conv_bn(tfk, x, filters, 1)


def _head(tfk, inp, x, classes, name):
    L = tfk.layers
    if len(x.shape) > 2:
        x = L.GlobalAveragePooling2D()(x) if len(x.shape) == 4 else L.GlobalAveragePooling1D()(x)
    act = "softmax" if classes > 1 else "sigmoid"
    out = L.Dense(classes, activation=act, name="predictions")(x)
    return tfk.Model(inp, out, name=name)


# ---------------------------------------------------------------- the families

def _ds_cnn(shape, classes, k):
    """Keyword-spotting DS-CNN (Zhang et al. 2017): conv, then depthwise-separable blocks."""
    import tf_keras as tfk
    inp, x = _image_input(tfk, "ds_cnn", shape)
    x = _conv_bn(tfk, x, k["width"], k["first_kernel"], stride=2)
    for _ in range(k["depth"]):
        x = _dw_sep(tfk, x, k["width"])
    return _head(tfk, inp, x, classes, "ds_cnn")


def _mobilenet_v1(shape, classes, k):
    """MobileNetV1-style: widths 32*alpha doubling every other block, stride 2 with them."""
    import tf_keras as tfk
    inp, x = _image_input(tfk, "mobilenet_v1", shape)
    alpha = k["alpha"]
    x = _conv_bn(tfk, x, max(4, int(32 * alpha)), 3, stride=k["stride"])
    for i in range(k["depth"]):
        x = _dw_sep(tfk, x, max(4, int(64 * alpha * 2 ** (i // 2))),
                    stride=2 if i % 2 == 1 else 1)
    return _head(tfk, inp, x, classes, "mobilenet_v1")


def _resnet(shape, classes, k):
    """ResNet-style (the MLPerf Tiny ResNet-8 shape at the defaults' scale): basic blocks,
    width doubling per stage, 1x1 projection on the shortcut when the shape changes."""
    import tf_keras as tfk
    L = tfk.layers
    inp, x = _image_input(tfk, "resnet", shape)
    x = _conv_bn(tfk, x, k["width"], 3)
    for s in range(k["stages"]):
        filters = k["width"] * 2 ** s
        for b in range(k["blocks"]):
            stride = 2 if s > 0 and b == 0 else 1
            y = _conv_bn(tfk, x, filters, 3, stride=stride)
            y = _conv_bn(tfk, y, filters, 3, act=False)
            short = x
            if tuple(y.shape[1:]) != tuple(x.shape[1:]):
                short = _conv_bn(tfk, x, filters, 1, stride=stride, act=False)
            x = L.ReLU()(L.Add()([y, short]))
    return _head(tfk, inp, x, classes, "resnet")


def _conv1d(shape, classes, k):
    """1-D conv net for sensor windows: Conv1D + BN + ReLU (+ max-pool by 2) blocks."""
    import tf_keras as tfk
    L = tfk.layers
    if len(shape) not in (1, 2):
        raise TinyDeployError(f"family conv1d needs 1-D (T,) or 2-D (T, C) input, got shape "
                              f"{list(shape)}; use ds_cnn/mobilenet_v1/resnet for images")
    inp = tfk.Input(shape)
    x = inp if len(shape) == 2 else L.Reshape((shape[0], 1))(inp)
    for i in range(k["depth"]):
        x = L.Conv1D(k["width"] * 2 ** min(i, 2), k["kernel"], padding="same",
                     use_bias=False)(x)
        x = L.ReLU()(L.BatchNormalization()(x))
        if int(x.shape[1]) >= 4:
            x = L.MaxPooling1D(2)(x)
    return _head(tfk, inp, x, classes, "conv1d")


def _mlp(shape, classes, k):
    """Fully connected: flatten, `depth` Dense+ReLU layers of `width` units."""
    import tf_keras as tfk
    L = tfk.layers
    inp = tfk.Input(shape)
    x = inp if len(shape) == 1 else L.Flatten()(inp)
    for _ in range(k["depth"]):
        x = L.Dense(k["width"], activation="relu")(x)
    return _head(tfk, inp, x, classes, "mlp")


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("ds_cnn", {"width": [16, 32, 64], "depth": [2, 3, 4], "first_kernel": [3, 5, 7]},
           {"width": 32, "depth": 3, "first_kernel": 3}, _ds_cnn,
           "audio/keyword spotting: conv + depthwise-separable blocks"),
    Family("mobilenet_v1", {"alpha": [0.25, 0.5, 1.0], "depth": [2, 3, 4, 5],
                            "stride": [1, 2]},
           {"alpha": 0.25, "depth": 3, "stride": 1}, _mobilenet_v1,
           "vision: MobileNetV1-style depthwise-separable stack"),
    Family("resnet", {"width": [8, 16, 32], "stages": [1, 2, 3], "blocks": [1, 2]},
           {"width": 16, "stages": 2, "blocks": 1}, _resnet,
           "vision: residual basic blocks"),
    Family("conv1d", {"width": [8, 16, 32], "depth": [1, 2, 3], "kernel": [3, 5, 7]},
           {"width": 16, "depth": 2, "kernel": 5}, _conv1d,
           "sensor windows: 1-D convolutions"),
    Family("mlp", {"width": [16, 32, 64, 128], "depth": [1, 2, 3]},
           {"width": 64, "depth": 2}, _mlp, "tabular/anomaly: fully connected"),
)}
