"""Getting any Keras model into a shape tfmot can train, and knowing up front what it cannot.

Contract (used by optimize.py; TensorFlow modules are passed in, nothing heavy at import):
- `load_for_tfmot(tf, path)` -> (tf_keras model, kind, compile config or None, notes).
  tfmot works only with Keras 2 (tf_keras): a Keras 3 model (.keras, or .h5 written by
  Keras 3) is rebuilt as a tf_keras model by `translate()`: its functional graph is walked
  node by node, every built-in layer is re-created from its config in tf_keras and gets the
  same weights; `x[...]` slicing becomes tf_keras slicing. Layers with no tf_keras twin
  (custom layers, Keras-3-only layers, keras.ops calls) are listed in one ModelError.
  tf_keras .keras/.h5 files and tf_keras SavedModel directories load as they are;
  SavedModels without Keras metadata (model.export) cannot be trained: ModelError.
- `unsupported(tfmot, model, ...)` lists (layer, type, technique, reason) for the layers tfmot
  cannot prune / cluster / quantize, before any training; `skip_message()` words it.
- `prune_wrap`, `cluster_wrap`, `quantize` apply tfmot to the supported layers only (the
  others stay as they are: the --skip-unsupported fallback).
"""
from __future__ import annotations

import contextlib
import inspect
import json
import os
import re
import warnings
import zipfile
from pathlib import Path

from .errors import ModelError
from .keras_load import _first_line, _load_error, model_kind
from .tfenv import native_stderr

TECHNIQUES = {"prune": "prune", "structure": "prune with M:N structure", "cluster": "cluster",
              "qat": "quantize (QAT)"}
_FALLBACK = {
    "prune": "left unpruned (their weights stay dense in the int8 model)",
    "structure": "left unpruned (their weights stay dense in the int8 model)",
    "cluster": "left unclustered (their int8 weights keep all 256 levels)",
    "qat": "left in float during QAT (convert then quantizes them post-training from "
           "calibration ranges on the data, which can cost accuracy; a layer with no int8 "
           "TFLite kernel still fails at conversion)",
}


def import_tfmot():
    """tensorflow_model_optimization, quietly; it sets TF_USE_LEGACY_KERAS=1 for the whole
    process, which we undo (tfmot has already bound tf_keras by then)."""
    before = os.environ.get("TF_USE_LEGACY_KERAS")
    with native_stderr(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import tensorflow_model_optimization as tfmot
        import tf_keras  # noqa: F401  (same process-wide state as tfmot's)
    if before is None:
        os.environ.pop("TF_USE_LEGACY_KERAS", None)
    else:
        os.environ["TF_USE_LEGACY_KERAS"] = before
    return tfmot


# ---------------------------------------------------------------- loading

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
                raise _load_error(path, "tf_keras", exc) from None
            model = None
    if kind in ("keras3", "h5"):
        import keras
        try:
            with native_stderr():
                m3 = keras.saving.load_model(path, compile=False)
        except Exception as exc:
            raise _load_error(path, "Keras 3", exc) from None
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
                                 f"its tf_keras twin ({_first_line(exc)})") from None
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
        return None, _first_line(exc)


# ---------------------------------------------------------------- what tfmot supports

def _registries(tfmot):
    from tensorflow_model_optimization.python.core.clustering.keras import clustering_registry
    from tensorflow_model_optimization.python.core.quantization.keras.default_8bit import \
        default_8bit_quantize_registry as q8
    from tensorflow_model_optimization.python.core.sparsity.keras import prune_registry
    return (prune_registry.PruneRegistry, clustering_registry.ClusteringRegistry,
            q8.Default8BitQuantizeRegistry())


def _weighted(layer) -> bool:
    return bool(layer.trainable_weights)


def prunable(tfmot, layer, m_by_n=None) -> tuple[bool, str | None]:
    """(tfmot prunes this layer's weights, reason it cannot when it has weights)."""
    import tf_keras
    preg = _registries(tfmot)[0]
    if not preg.supports(layer):
        return False, ("custom layer with weights" if _weighted(layer) else None)
    if not preg._is_rnn_layer(layer) and not preg._weight_names(layer):
        return False, None  # supported, nothing to prune (e.g. DepthwiseConv2D, BN)
    if m_by_n:
        n = m_by_n[1]
        if not isinstance(layer, (tf_keras.layers.Conv2D, tf_keras.layers.Dense)) or isinstance(
                layer, (tf_keras.layers.Conv2DTranspose, tf_keras.layers.SeparableConv2D)):
            return False, "tfmot has M:N pruning only for Conv2D and Dense"
        c_in = int(layer.kernel.shape[-2])
        if getattr(layer, "groups", 1) != 1 or c_in % n:
            return False, (f"{c_in} input channels: M:N groups run along input channels and "
                           f"need a multiple of {n}")
    return True, None


def clusterable(tfmot, layer) -> tuple[bool, str | None]:
    creg = _registries(tfmot)[1]
    if not creg.supports(layer):
        return False, "custom layer with weights" if _weighted(layer) else None
    names = creg._LAYERS_WEIGHTS_MAP.get(layer.__class__)
    return bool(names) and _weighted(layer), None


def unsupported(tfmot, model, *, prune: bool, m_by_n, cluster: bool, qat: bool) -> list[dict]:
    """Layers the requested techniques cannot handle, as dicts (layer, type, technique, reason)."""
    rows = []
    for layer in model.layers:
        checks = [("structure" if m_by_n else "prune", prune and prunable(tfmot, layer, m_by_n)),
                  ("cluster", cluster and clusterable(tfmot, layer))]
        for tech, res in checks:
            if res and not res[0] and res[1]:
                rows.append(dict(layer=layer.name, type=type(layer).__name__, technique=tech,
                                 reason=res[1]))
    if qat:
        for name in _qat_unsupported(tfmot, model):
            layer = model.get_layer(name)
            rows.append(dict(layer=name, type=type(layer).__name__, technique="qat",
                             reason="not in tfmot's 8-bit quantize registry"))
    return rows


def skip_message(rows: list[dict], skipping: bool = False) -> str:
    """One line: each unsupported layer by name and type, and the --skip-unsupported fallback."""
    parts = []
    for tech in TECHNIQUES:
        these = [r for r in rows if r["technique"] == tech]
        if these:
            names = ", ".join(f"{r['layer']} ({r['type']}"
                              + (f": {r['reason']})" if tech == "structure" else ")")
                              for r in these)
            then = "they are" if skipping else "with --skip-unsupported they are"
            parts.append(f"tfmot cannot {TECHNIQUES[tech]} {len(these)} layer(s): {names}; "
                         f"{then} {_FALLBACK[tech]}")
    return "; ".join(parts)


def _qat_annotate(tfmot, model, skip: set):
    import tf_keras
    reg = _registries(tfmot)[2]
    convs = (tf_keras.layers.Conv2D, tf_keras.layers.DepthwiseConv2D, tf_keras.layers.Dense)

    def after_conv(layer):
        inbound = [n.inbound_layers for n in layer._inbound_nodes]
        return (isinstance(layer, tf_keras.layers.BatchNormalization) and len(inbound) == 1
                and isinstance(inbound[0], convs))

    left = [lay.name for lay in model.layers if not isinstance(lay, tf_keras.layers.InputLayer)
            and lay.name not in skip and not (reg.supports(lay) or after_conv(lay))]

    def annotate(layer):
        if (isinstance(layer, tf_keras.layers.InputLayer) or layer.name in skip
                or layer.name in left):
            return layer
        return tfmot.quantization.keras.quantize_annotate_layer(layer)
    with _custom_scope(tfmot, model):
        return tf_keras.models.clone_model(model, clone_function=annotate), left


def _qat_unsupported(tfmot, model) -> list[str]:
    """Names of layers quantize_apply cannot handle: registry first, then a dry run."""
    skip: set = set()
    for _ in range(len(model.layers) + 1):
        annotated, left = _qat_annotate(tfmot, model, skip)
        try:
            _apply(tfmot, annotated, None, model)
            return sorted(skip | set(left), key=[lay.name for lay in model.layers].index)
        except RuntimeError as exc:
            m = re.match(r"Layer (.+?):<class", str(exc))
            if not m or m.group(1) in skip:
                raise ModelError(f"tfmot cannot quantize this model: {_first_line(exc)}") from None
            skip.add(m.group(1))
    raise ModelError("tfmot cannot quantize this model")


def _apply(tfmot, annotated, scheme, model):
    qk = tfmot.quantization.keras
    try:
        with _custom_scope(tfmot, model), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return qk.quantize_apply(annotated, scheme) if scheme else qk.quantize_apply(annotated)
    except ValueError as exc:
        raise ModelError(f"tfmot cannot quantize this model: {_first_line(exc)}") from None


def _custom_scope(tfmot, model):
    custom = {type(lay).__name__: type(lay) for lay in model.layers
              if not type(lay).__module__.startswith(("tf_keras.", "keras."))}
    return tfmot.quantization.keras.quantize_scope(custom) if custom else contextlib.nullcontext()


# ---------------------------------------------------------------- applying tfmot

def prune_wrap(tfmot, model, schedule, m_by_n=None) -> tuple[object, list[str]]:
    """Model with prune_low_magnitude around every prunable layer; (model, pruned names)."""
    done = []

    def wrap(layer):
        if prunable(tfmot, layer, m_by_n)[0]:
            done.append(layer.name)
            return tfmot.sparsity.keras.prune_low_magnitude(
                layer, pruning_schedule=schedule,
                sparsity_m_by_n=(m_by_n[1] - m_by_n[0], m_by_n[1]) if m_by_n else None)
        return layer
    return _clone(model, wrap, "prune"), done


def _clone(model, wrap, what: str):
    """clone_model with tfmot wrappers; tfmot's ValueErrors become one-line ModelErrors."""
    import tf_keras
    try:
        return tf_keras.models.clone_model(model, clone_function=wrap)
    except (ValueError, TypeError, RuntimeError) as exc:
        raise ModelError(f"tfmot cannot {what} this model: {_first_line(exc)}") from None


def cluster_wrap(tfmot, model, clusters: int, preserve_sparsity: bool):
    init = tfmot.clustering.keras.CentroidInitialization.KMEANS_PLUS_PLUS
    done = []

    def wrap(layer):
        if clusterable(tfmot, layer)[0]:
            done.append(layer.name)
            return tfmot.clustering.keras.cluster_weights(
                layer, number_of_clusters=clusters, cluster_centroids_init=init,
                preserve_sparsity=preserve_sparsity)
        return layer
    return _clone(model, wrap, "cluster"), done


def quantize(tfmot, model, scheme, skip: set):
    """QAT model with every supported layer annotated (the others stay float). The scheme's
    registry is told about the skipped layers: the prune-preserving registry claims to
    support every weightless layer and then fails on e.g. Rescaling (a tfmot bug)."""
    qk = tfmot.quantization.keras
    inner = scheme or qk.default_8bit.Default8BitQuantizeScheme()

    class Registry:
        def __init__(self, reg):
            self.reg = reg

        def supports(self, layer):
            return layer.name not in skip and self.reg.supports(layer)

        def __getattr__(self, name):
            return getattr(self.reg, name)

    class Scheme(qk.QuantizeScheme):
        def get_layout_transformer(self):
            return inner.get_layout_transformer()

        def get_quantize_registry(self):
            return Registry(inner.get_quantize_registry())

    annotated, _ = _qat_annotate(tfmot, model, skip)
    return _apply(tfmot, annotated, Scheme(), model)
