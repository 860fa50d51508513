"""Knowing up front which layers tfmot cannot prune / cluster / quantize, and applying tfmot
to the others. Models reach it as tf_keras models (keras3_to_tfkeras.py loads them).

Contract (used by optimize.py; TensorFlow modules are passed in, nothing heavy at import):
- `import_tfmot()` imports tensorflow_model_optimization without leaving
  TF_USE_LEGACY_KERAS set for the process.
- `unsupported(tfmot, model, ...)` lists (layer, type, technique, reason) for the layers tfmot
  cannot prune / cluster / quantize, before any training; `skip_message()` words it.
- `prune_wrap`, `cluster_wrap`, `quantize` apply tfmot to the supported layers only (the
  others stay as they are: the --skip-unsupported fallback).
"""
from __future__ import annotations

import contextlib
import os
import re
import warnings

from ..errors import ModelError
from .keras_load import first_line
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



# ---------------------------------------------------------------- what tfmot supports

def _registries(tfmot):
    from tensorflow_model_optimization.python.core.clustering.keras import clustering_registry
    from tensorflow_model_optimization.python.core.quantization.keras.default_8bit import (
        default_8bit_quantize_registry as q8,
    )
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
                raise ModelError(f"tfmot cannot quantize this model: {first_line(exc)}") from None
            skip.add(m.group(1))
    raise ModelError("tfmot cannot quantize this model")


def _apply(tfmot, annotated, scheme, model):
    qk = tfmot.quantization.keras
    try:
        with _custom_scope(tfmot, model), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return qk.quantize_apply(annotated, scheme) if scheme else qk.quantize_apply(annotated)
    except ValueError as exc:
        raise ModelError(f"tfmot cannot quantize this model: {first_line(exc)}") from None


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
        raise ModelError(f"tfmot cannot {what} this model: {first_line(exc)}") from None


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
