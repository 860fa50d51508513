"""Loading any Keras model file as a tf_keras model, the only Keras tfmot trains.

Contract (used by optimize.py; TensorFlow modules are passed in, nothing heavy at import):
- `load_for_tfmot(tf, tfmot, path)` -> (tf_keras model, "keras3" | "tf_keras", compile config
  dict or None, notes). tf_keras .keras/.h5 files and tf_keras SavedModel directories load
  as they are; SavedModels without Keras metadata (model.export) cannot be trained:
  ModelError. Already pruning/clustering/quantization-aware models and models with more
  than one input or output are refused with a ModelError.
- `translate(tf_keras, m3)`: a Keras 3 model (.keras, or .h5 written by Keras 3) rebuilt as a
  tf_keras model: its functional graph is walked node by node, every built-in layer is
  re-created from its config in tf_keras and gets the same weights; `x[...]` slicing becomes
  tf_keras slicing. Layers with no tf_keras twin (custom layers, Keras-3-only layers,
  keras.ops calls) are listed in one ModelError.
"""
from __future__ import annotations

import inspect
import json
import zipfile
from pathlib import Path

from ..errors import ModelError
from .keras_load import first_line, load_error, model_kind
from .tfenv import native_stderr


def load_for_tfmot(tf, tfmot, path: Path):
    """(tf_keras model, "keras3" | "tf_keras", compile config dict or None, notes)."""
    import tf_keras

    kind = model_kind(path)
    notes = []
    if kind == "saved_model" and not (path / "keras_metadata.pb").exists():
        raise ModelError(f"{path.name}: this SavedModel has no Keras layers (written by "
                         "model.export or tf.saved_model.save); optimize needs the Keras model: "
                         "pass its .keras or .h5 file")
    if kind in ("tf_keras", "h5", "saved_model"):
        try:
            with native_stderr(), tfmot.quantization.keras.quantize_scope():
                model = tf_keras.models.load_model(path, compile=False)
            kind = "tf_keras"
        except Exception as exc:
            if kind != "h5":
                raise load_error(path, "tf_keras", exc) from None
            model = None
    if kind in ("keras3", "h5"):
        import keras
        try:
            with native_stderr():
                m3 = keras.saving.load_model(path, compile=False)
        except Exception as exc:
            raise load_error(path, "Keras 3", exc) from None
        model, kind = translate(tf_keras, m3), "keras3"
        notes.append("Keras 3 model rebuilt as tf_keras for tfmot (same layers and weights)")
    if any(type(lay).__name__.startswith(("Quantize", "PruneLowMagnitude", "Cluster"))
           for lay in model.layers):
        raise ModelError(f"{path.name} is already pruning/clustering/quantization-aware; "
                         "optimize a float model (convert this one directly)")
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ModelError(f"model has {len(model.inputs)} inputs and {len(model.outputs)} "
                         "outputs; tinydeploy optimizes single-input, single-output models")
    return model, kind, _compile_config(path), notes


def _compile_config(path: Path) -> dict | None:
    """The compile state stored in the file ({"loss": ..., "metrics": ...}), if any."""
    try:
        if path.suffix.lower() == ".keras":
            with zipfile.ZipFile(path) as z:
                cfg = json.loads(z.read("config.json")).get("compile_config")
        elif path.suffix.lower() in (".h5", ".hdf5"):
            import h5py
            with h5py.File(path, "r") as f:
                raw = f.attrs.get("training_config")
            raw = raw.decode() if hasattr(raw, "decode") else raw
            cfg = json.loads(raw) if raw else None
        else:
            cfg = None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        cfg = None
    return cfg if isinstance(cfg, dict) else None


def translate(tfk, m3):
    """A tf_keras model with the layers and weights of Keras 3 model m3 (see module doc)."""
    import keras

    fn = getattr(m3, "_functional", None) if isinstance(m3, keras.Sequential) else m3
    if fn is None or not hasattr(fn, "_nodes_by_depth"):
        raise ModelError("only Sequential and functional Keras 3 models can be optimized "
                         "(this one is subclassed); rebuild it with the functional API")
    tensors, layers, problems = {}, {}, []

    def sub(v):
        if isinstance(v, keras.KerasTensor):
            return tensors.get(id(v))
        if isinstance(v, (list, tuple)):
            return type(v)(sub(x) for x in v)
        if isinstance(v, dict):
            return {k: sub(x) for k, x in v.items()}
        return v

    for depth in sorted(fn._nodes_by_depth, reverse=True):
        for node in fn._nodes_by_depth[depth]:
            op = node.operation
            kind = type(op).__name__
            if kind == "InputLayer":
                out = tfk.Input(batch_shape=tuple(op.batch_shape), name=op.name, dtype=op.dtype)
            else:
                if any(id(t) not in tensors for t in node.arguments.keras_tensors):
                    continue  # fed by a layer we could not translate (already listed)
                args, kwargs = sub(node.arguments.args), sub(node.arguments.kwargs)
                if kind == "GetItem":
                    out = args[0][args[1]]
                else:
                    if id(op) not in layers:
                        layer, why = _translate_layer(tfk, op)
                        if layer is None:
                            problems.append(f"{op.name} ({kind}: {why})")
                            continue
                        layers[id(op)] = layer
                    out = layers[id(op)](*args, **kwargs)
            for kt, t in zip(node.output_tensors, out if isinstance(out, (list, tuple)) else [out]):
                tensors[id(kt)] = t
    if problems:
        raise ModelError(f"cannot rebuild {len(problems)} layer(s) of the Keras 3 model in "
                         f"tf_keras, which tfmot needs: {', '.join(problems)}; use built-in "
                         "Keras layers, or build the model with tf_keras and save it as .h5")
    if isinstance(m3, keras.Sequential):
        model = tfk.Sequential([tfk.Input(batch_shape=tuple(fn.inputs[0].shape))]
                               + [layers[id(lay)] for lay in m3.layers], name=m3.name)
    else:
        ins, outs = [tensors[id(t)] for t in fn.inputs], [tensors[id(t)] for t in fn.outputs]
        model = tfk.Model(ins[0] if len(ins) == 1 else ins,
                          outs[0] if len(outs) == 1 else outs, name=m3.name)
    for op in fn.operations:
        if id(op) in layers:
            try:
                layers[id(op)].set_weights(op.get_weights())
            except ValueError as exc:
                raise ModelError(f"layer {op.name} ({type(op).__name__}): weights do not fit "
                                 f"its tf_keras twin ({first_line(exc)})") from None
    return model


def _clean(v):
    """A Keras 3 serialized config as tf_keras reads it (dtype policies as names)."""
    if isinstance(v, dict):
        if "class_name" in v and "config" in v:
            if v["class_name"] in ("DTypePolicy", "FloatDTypePolicy"):
                return v["config"]["name"]
            return {"class_name": v["class_name"], "config": _clean(v["config"])}
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_clean(x) for x in v]
    return v


def _translate_layer(tfk, layer):
    """(tf_keras layer, None) or (None, reason)."""
    name = type(layer).__name__
    cls = getattr(tfk.layers, name, None)
    if not type(layer).__module__.startswith("keras."):
        return None, "custom layer"
    if cls is None:
        return None, "no tf_keras equivalent"
    cfg = _clean(layer.get_config())
    cfg = {k: v for k, v in cfg.items() if not k.endswith("_initializer")}  # weights are copied
    ok = {"name", "trainable", "dtype", "activity_regularizer", "input_dim", "batch_size"}
    for klass in cls.__mro__:  # tf_keras layers pass options on to base classes
        if "__init__" in vars(klass):
            ok |= set(inspect.signature(klass.__init__).parameters) - {"self", "kwargs"}
    extra = {k: v for k, v in cfg.items() if k not in ok}
    if any(v not in (None, False, 0, "", [], {}) for v in extra.values()):
        return None, "uses Keras 3 options " + ", ".join(sorted(extra))
    try:
        return cls.from_config({k: v for k, v in cfg.items() if k in ok}), None
    except Exception as exc:  # noqa: BLE001 - reported per layer
        return None, first_line(exc)
