"""Finding out what kind of model file it is, loading it, and building its TFLite converter.

Contract: `model_kind(path)` is a cheap check without TensorFlow: it returns "keras3",
"tf_keras", "h5" or "saved_model", or raises ModelError. `load_model(tf, path, kind=None)`
loads the model and returns a LoadedModel (kind, per-sample input shape, float predict,
a converter factory, whether it is a QAT model), or raises a one-line ModelError/ToolError.
Only single-input, single-output models are accepted.

How each model kind is converted (found empirically with TF 2.21 / Keras 3.15 / tf_keras 2.21),
always with a static batch of 1 so the graph has no dynamic-shape ops (SHAPE/STRIDED_SLICE/PACK
that Keras 3's Flatten otherwise emits for batch=None):
- Keras 3: export a SavedModel with `keras.export.ExportArchive` (call with training=False,
  input signature with batch 1), then `TFLiteConverter.from_saved_model`. Both
  `from_keras_model` (traces batch None, leaves the dynamic-shape ops) and
  `from_concrete_functions` (fails: Keras 3 variables are not frozen, READ_VARIABLE at
  calibration) are worse.
- tf_keras: `from_concrete_functions` on a batch-1 tf.function calling model(x, training=False).
- SavedModel directory: same, wrapping its serving signature (the loaded object keeps the
  variables alive for freezing).
- QAT is detected here (tfmot Quantize* layers for tf_keras, FakeQuant ops in a SavedModel's
  graph); how QAT models are then converted is described in convert.py.
"""
from __future__ import annotations

import contextlib
import functools
import json
import re
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError, ToolError
from .tfenv import native_stderr

_FAKE_QUANT_OPS = {"FakeQuantWithMinMaxVars", "FakeQuantWithMinMaxVarsPerChannel",
                   "FakeQuantWithMinMaxArgs", "QuantizeAndDequantizeV2",
                   "QuantizeAndDequantizeV3"}


def load_model(tf, p: Path, kind: str | None = None) -> LoadedModel:
    """Load the model at p (kind as returned by model_kind(p), computed if not given)."""
    return _LOADERS[kind or model_kind(p)](tf, p)


@dataclass
class LoadedModel:
    kind: str                          # "keras3" | "tf_keras" | "saved_model"
    input_shape: tuple | None          # without batch; None dims unknown; None if undeclared
    predict: Callable                  # float32 batch -> numpy output batch
    converter: Callable                # (tf, full_shape, workdir) -> fresh TFLiteConverter
    qat: bool = False


def model_kind(p: Path) -> str:
    if p.is_dir():
        if not (p / "saved_model.pb").exists():
            raise ModelError(f"{p} is a directory without saved_model.pb; pass a SavedModel "
                             "directory, a .keras or a .h5 file")
        return "saved_model"
    if not p.exists():
        raise ModelError(f"model file not found: {p}; pass a .keras, .h5 or SavedModel dir")
    ext = p.suffix.lower()
    if ext == ".keras":
        return _keras_file_version(p)
    if ext in (".h5", ".hdf5"):
        return "h5"
    hint = " (it is already converted: skip this stage)" if ext == ".tflite" else ""
    raise ModelError(f"{p.name}: unknown model format '{p.suffix}'{hint}; pass a .keras, .h5 "
                     "or SavedModel directory")


def _keras_file_version(p: Path) -> str:
    """'keras3' or 'tf_keras', from the keras_version that Keras writes into metadata.json."""
    try:
        with zipfile.ZipFile(p) as z:
            meta = json.loads(z.read("metadata.json")) if "metadata.json" in z.namelist() else {}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ModelError(f"{p.name} is not a valid .keras file ({type(exc).__name__}: {exc}); "
                         "re-save it with model.save('model.keras')") from None
    version = str(meta.get("keras_version", "3"))
    return "tf_keras" if version.startswith("2") else "keras3"


def _load_keras3(tf, p: Path) -> LoadedModel:
    with native_stderr():
        import keras
    try:
        m = keras.saving.load_model(p, compile=False)
    except Exception as exc:
        raise load_error(p, "Keras 3", exc) from None
    return _keras_model(tf, m, "keras3", _keras3_converter)


def _load_tf_keras(tf, p: Path) -> LoadedModel:
    with native_stderr():
        try:
            import tf_keras
        except ImportError:
            raise ToolError(f"{p.name} was saved by Keras 2 and needs tf_keras: "
                            "pip install 'tinydeploy[tf]'") from None
        try:  # tfmot's QAT layers are custom objects: register them if tfmot is installed
            with warnings.catch_warnings():  # tfmot's own distutils deprecation warnings
                warnings.simplefilter("ignore", DeprecationWarning)
                import tensorflow_model_optimization as tfmot
            scope = tfmot.quantization.keras.quantize_scope()
        except ImportError:
            scope = contextlib.nullcontext()
    try:
        with scope:
            m = tf_keras.models.load_model(p, compile=False)
    except Exception as exc:
        raise load_error(p, "tf_keras", exc) from None
    return _keras_model(tf, m, "tf_keras", _concrete_converter)


def _load_h5(tf, p: Path) -> LoadedModel:
    """Legacy HDF5: usually tf_keras (Keras 2); files saved by Keras 3 may need keras 3."""
    try:
        return _load_tf_keras(tf, p)
    except ModelError as first:
        try:
            return _load_keras3(tf, p)
        except ModelError:
            raise first from None


def _load_saved_model(tf, p: Path) -> LoadedModel:
    try:
        loaded = tf.saved_model.load(str(p))
    except Exception as exc:
        raise ModelError(f"{p.name}: cannot load the SavedModel: {first_line(exc)}") from None
    sigs = dict(loaded.signatures)
    if not sigs:
        raise ModelError(f"{p.name}: SavedModel has no signatures; export it with "
                         "model.export(dir) or tf.saved_model.save(obj, dir, signatures=...)")
    key = "serving_default" if "serving_default" in sigs else sorted(sigs)[0]
    sig = sigs[key]
    args = sig.structured_input_signature[1]
    if len(args) != 1 or len(sig.structured_outputs) != 1:
        raise ModelError(f"{p.name}: signature '{key}' has {len(args)} inputs and "
                         f"{len(sig.structured_outputs)} outputs; tinydeploy converts "
                         "single-input, single-output models")
    (name, spec), = args.items()
    if spec.dtype != tf.float32:
        raise ModelError(f"{p.name}: input '{name}' is {spec.dtype.name}; tinydeploy expects "
                         "a float32 model input")

    def call(t):
        return next(iter(sig(**{name: t}).values()))

    def predict(xb):
        return _batched(lambda b: call(tf.constant(b)).numpy(), xb, spec.shape[0])

    def converter(tf, shape, _work):
        # `loaded` is the trackable owner of the variables, so the converter can freeze them
        cf = tf.function(call).get_concrete_function(tf.TensorSpec(shape, tf.float32))
        return tf.lite.TFLiteConverter.from_concrete_functions([cf], loaded)

    qat = _has_fake_quant(sig.graph.as_graph_def())
    return LoadedModel("saved_model", tuple(spec.shape.as_list()[1:]), predict, converter, qat)


_LOADERS = {"keras3": _load_keras3, "tf_keras": _load_tf_keras, "h5": _load_h5,
            "saved_model": _load_saved_model}


def _keras_model(tf, m, kind: str, make_converter) -> LoadedModel:
    """Wrap a loaded Keras (3 or 2) model; only single-input, single-output models."""
    try:  # subclassed models may have no declared inputs: the data shape is used then
        inputs, outputs = m.inputs, m.outputs
    except (AttributeError, ValueError):
        inputs = outputs = None
    if (inputs and len(inputs) != 1) or (outputs and len(outputs) != 1):
        raise ModelError(f"model has {len(inputs or [])} inputs and {len(outputs or [])} "
                         "outputs; `tinydeploy convert` takes single-input, single-output "
                         "models (convert it with tf.lite.TFLiteConverter: inspect, predict, "
                         "build and run take .tflite models with several inputs/outputs)")
    shape = tuple(inputs[0].shape)[1:] if inputs else None
    batch = tuple(inputs[0].shape)[0] if inputs else None

    def predict(xb):
        return _batched(lambda b: np.asarray(m(b, training=False)), xb, batch)

    model = LoadedModel(kind, shape, predict, lambda tf, s, w: make_converter(tf, m, s, w))
    if kind == "tf_keras":  # tfmot QAT exists only for tf_keras: QuantizeWrapper/QuantizeLayer
        model.qat = any(type(layer).__name__.startswith("Quantize") for layer in _layers(m))
    return model


def _layers(m):
    for layer in getattr(m, "layers", []):
        yield layer
        yield from _layers(layer)


def _keras3_converter(tf, m, shape, work):
    import keras
    export_dir = tempfile.mkdtemp(dir=work)
    archive = keras.export.ExportArchive()
    archive.track(m)
    archive.add_endpoint("serve", functools.partial(m.__call__, training=False),
                         [tf.TensorSpec(shape, tf.float32)])
    try:
        archive.write_out(export_dir, verbose=False)
    except Exception as exc:
        raise ModelError(f"cannot export the Keras 3 model for conversion: "
                         f"{first_line(exc)}") from None
    return tf.lite.TFLiteConverter.from_saved_model(export_dir)


def _concrete_converter(tf, m, shape, _work):
    fn = tf.function(lambda t: m(t, training=False))
    cf = fn.get_concrete_function(tf.TensorSpec(shape, tf.float32))
    return tf.lite.TFLiteConverter.from_concrete_functions([cf], m)


def _has_fake_quant(graph_def) -> bool:
    nodes = list(graph_def.node)
    for fn in graph_def.library.function:
        nodes.extend(fn.node_def)
    return any(n.op in _FAKE_QUANT_OPS for n in nodes)


def load_error(p: Path, loader: str, exc: BaseException) -> ModelError:
    """A ModelError naming the custom class Keras could not find, else the first error line."""
    text = _chain_text(exc)
    m = (re.search(r"Could not locate (?:class|function) '([^']+)'", text)
         or re.search(r"Unknown (?:layer|object|class)[^:]*: '?([\w.>]+)'?", text)
         or re.search(r"Cannot deserialize object of type `([^`]+)`", text))
    if m:
        return ModelError(f"{p.name}: cannot load custom layer/class '{m.group(1)}'; export the "
                          "model as a SavedModel (model.export(dir)) where its code is "
                          "importable and convert that directory instead")
    if "quantize_layer" in text:  # tfmot QAT models do not round-trip through .keras
        return ModelError(f"{p.name}: this QAT (tfmot) model cannot be reloaded from .keras; "
                          "save it as .h5 or a SavedModel directory instead")
    if "not found" in text.lower() or "file signature" in text.lower():
        return ModelError(f"{p.name}: not a valid {loader} model file ({first_line(exc)}); "
                          "re-save it from Keras")
    return ModelError(f"{p.name}: cannot load with {loader}: {first_line(exc)}")


def _batched(fn, x: np.ndarray, batch: int | None) -> np.ndarray:
    batch = batch or 128  # a model with a fixed batch size only accepts that size
    return np.concatenate([np.asarray(fn(x[i:i + batch])) for i in range(0, len(x), batch)])


def first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]


def _chain_text(exc: BaseException) -> str:
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts.append(str(exc))
        exc = exc.__cause__ or exc.__context__
    return "\n".join(parts)
