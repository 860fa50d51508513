"""The `convert` stage: Keras model + data file -> fully int8 .tflite, with an accuracy report.

Contract: `convert_model(...)` returns a report dict or raises a TinyDeployError subclass with
one line (ModelError for the model, DataError for the data). The .tflite is written
atomically, so a failed run never leaves a partial file.

TensorFlow is imported lazily, inside functions, so `import tinydeploy.convert` stays cheap.

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
- QAT (tfmot FakeQuant ops): TF 2.21 validates `supported_ops={TFLITE_BUILTINS_INT8}` before
  it has the graph, so it demands a representative dataset even for QAT models. We therefore
  leave supported_ops at the default for QAT and check afterwards that the graph is all int8;
  if it is not, we fall back to a calibration pass.
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import secrets
import sys
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .data import load_arrays
from .errors import DataError, ModelError, TinyDeployError, ToolError

MAX_EVAL = 1000
_FAKE_QUANT_OPS = {"FakeQuantWithMinMaxVars", "FakeQuantWithMinMaxVarsPerChannel",
                   "FakeQuantWithMinMaxArgs", "QuantizeAndDequantizeV2",
                   "QuantizeAndDequantizeV3"}


def convert_model(model_path, data_path, out_path, *, samples: int = 200, seed: int = 0,
                  progress: Callable[[str], None] | None = None) -> dict:
    """Convert a Keras model (.keras, .h5, SavedModel dir) to a full-int8 .tflite at out_path.

    Calibrates on up to `samples` seeded samples of the data file's x (skipped for QAT models);
    with labels, reports float and int8 top-1 accuracy on up to 1000 samples, int8 run with
    TFLite's reference kernels. `progress(msg)` gets short status lines. Returns a dict:
    output (str path), size_bytes, keras ("keras3" | "tf_keras" | "saved_model"),
    calibration (str), input_quant / output_quant ({"shape", "scale", "zero_point"}),
    float_accuracy / int8_accuracy (0..1 or None), eval_samples, accuracy_note (why None).
    """
    say = progress or (lambda msg: None)
    if samples < 1:
        raise DataError(f"samples must be at least 1 (got {samples})")
    model_path, out = Path(model_path), Path(out_path)
    if out.is_dir():
        raise TinyDeployError(f"output {out} is a directory; pass a file path like model.tflite")
    kind = _model_kind(model_path)                       # cheap checks before importing TF
    x, y, desc = load_arrays(data_path)
    tf = _import_tf()

    with tempfile.TemporaryDirectory(prefix="tinydeploy-") as work:
        say("loading model")
        model = _LOADERS[kind](tf, model_path)
        shape = _match_shape(model.input_shape, x.shape[1:], desc, model_path.name)
        x = x.astype(np.float32, copy=False)
        rng = np.random.default_rng(seed)
        cal_x = x[np.sort(rng.choice(len(x), min(samples, len(x)), replace=False))]

        acc = _Accuracy()
        if y is not None:
            idx = np.sort(rng.choice(len(x), min(MAX_EVAL, len(x)), replace=False))
            say(f"evaluating float model on {len(idx)} samples")
            acc.start(model.predict(x[idx]), y[idx], x[idx], desc)   # label errors surface early

        make = functools.partial(model.converter, tf, (1, *shape), work)
        tfl, calibration = _convert(tf, make, model.qat, cal_x, desc, model_path.name, say)
        interp = _interpreter(tf, tfl)
        if acc.labels is not None:
            say("evaluating int8 with the reference interpreter")
            acc.finish(_run_int8(interp, acc.x))

        in_d, out_d = interp.get_input_details()[0], interp.get_output_details()[0]
        say(f"writing {out}")
        _write_atomic(out, tfl)
    return {
        "output": str(out), "size_bytes": len(tfl), "keras": model.kind,
        "calibration": calibration,
        "input_quant": _quant(in_d), "output_quant": _quant(out_d),
        "float_accuracy": acc.float_acc, "int8_accuracy": acc.int8_acc,
        "eval_samples": acc.n, "accuracy_note": acc.note,
    }


def format_report(report: dict) -> str:
    """A few human-readable lines summarising a convert_model() report."""
    def q(d):
        return f"{d['shape']} int8, scale {d['scale']:.6g}, zero point {d['zero_point']}"
    lines = [f"wrote {report['output']} ({report['size_bytes']:,} bytes, "
             f"from a {report['keras']} model)",
             f"calibration: {report['calibration']}",
             f"input  {q(report['input_quant'])}",
             f"output {q(report['output_quant'])}"]
    fa, ia = report.get("float_accuracy"), report.get("int8_accuracy")
    if fa is not None and ia is not None:
        lines.append(f"top-1 accuracy on {report['eval_samples']} samples: float {fa:.1%}, "
                     f"int8 {ia:.1%} ({(ia - fa) * 100:+.1f} points)")
    else:
        lines.append(f"accuracy: not measured ({report.get('accuracy_note') or 'no labels'})")
    return "\n".join(lines)


# ---------------------------------------------------------------- loading

@dataclass
class _Model:
    kind: str                          # "keras3" | "tf_keras" | "saved_model"
    input_shape: tuple | None          # without batch; None dims unknown; None if undeclared
    predict: Callable                  # float32 batch -> numpy output batch
    converter: Callable                # (tf, full_shape, workdir) -> fresh TFLiteConverter
    qat: bool = False


def _model_kind(p: Path) -> str:
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


def _load_keras3(tf, p: Path) -> _Model:
    with _native_stderr():
        import keras
    try:
        m = keras.saving.load_model(p, compile=False)
    except Exception as exc:
        raise _load_error(p, "Keras 3", exc) from None
    return _keras_model(tf, m, "keras3", _keras3_converter)


def _load_tf_keras(tf, p: Path) -> _Model:
    with _native_stderr():
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
        raise _load_error(p, "tf_keras", exc) from None
    return _keras_model(tf, m, "tf_keras", _concrete_converter)


def _load_h5(tf, p: Path) -> _Model:
    """Legacy HDF5: usually tf_keras (Keras 2); files saved by Keras 3 may need keras 3."""
    try:
        return _load_tf_keras(tf, p)
    except ModelError as first:
        try:
            return _load_keras3(tf, p)
        except ModelError:
            raise first from None


def _load_saved_model(tf, p: Path) -> _Model:
    try:
        loaded = tf.saved_model.load(str(p))
    except Exception as exc:
        raise ModelError(f"{p.name}: cannot load the SavedModel: {_first_line(exc)}") from None
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
    return _Model("saved_model", tuple(spec.shape.as_list()[1:]), predict, converter, qat)


_LOADERS = {"keras3": _load_keras3, "tf_keras": _load_tf_keras, "h5": _load_h5,
            "saved_model": _load_saved_model}


def _keras_model(tf, m, kind: str, make_converter) -> _Model:
    """Wrap a loaded Keras (3 or 2) model; only single-input, single-output models."""
    try:  # subclassed models may have no declared inputs: the data shape is used then
        inputs, outputs = m.inputs, m.outputs
    except (AttributeError, ValueError):
        inputs = outputs = None
    if (inputs and len(inputs) != 1) or (outputs and len(outputs) != 1):
        raise ModelError(f"model has {len(inputs or [])} inputs and {len(outputs or [])} "
                         "outputs; tinydeploy converts single-input, single-output models")
    shape = tuple(inputs[0].shape)[1:] if inputs else None
    batch = tuple(inputs[0].shape)[0] if inputs else None

    def predict(xb):
        return _batched(lambda b: np.asarray(m(b, training=False)), xb, batch)

    model = _Model(kind, shape, predict, lambda tf, s, w: make_converter(tf, m, s, w))
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
                         f"{_first_line(exc)}") from None
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


def _load_error(p: Path, loader: str, exc: BaseException) -> ModelError:
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
        return ModelError(f"{p.name}: not a valid {loader} model file ({_first_line(exc)}); "
                          "re-save it from Keras")
    return ModelError(f"{p.name}: cannot load with {loader}: {_first_line(exc)}")


# ---------------------------------------------------------------- converting

def _match_shape(model_shape, data_shape, desc: str, name: str) -> tuple:
    """The per-sample input shape (model dims, unknown ones taken from the data)."""
    data_shape = tuple(int(d) for d in data_shape)
    if model_shape is None:
        return data_shape
    ok = len(model_shape) == len(data_shape) and all(
        m is None or m == d for m, d in zip(model_shape, data_shape))
    if ok:
        return data_shape
    want = tuple(model_shape)
    hint = ""
    if None not in want and int(np.prod(want)) == int(np.prod(data_shape)):
        hint = f" (same size: reshape x to (N, {', '.join(map(str, want))}))"
    raise DataError(f"{desc} samples have shape {data_shape} but {name} expects {want} "
                    f"(batch axis excluded){hint}")


def _convert(tf, make, qat: bool, cal_x, desc: str, name: str, say):
    """Run the converter; returns (tflite bytes, calibration description)."""
    def rep():
        for s in cal_x:
            yield [s[None]]

    if qat:
        say("converting with QAT ranges (no calibration pass)")
        try:
            return _checked(tf, make(), None, name), "QAT ranges (no calibration pass)"
        except ModelError:  # some tensors have no trained range: calibrate those
            say("QAT ranges incomplete; calibrating the remaining tensors")
            return (_checked(tf, make(), rep, name),
                    f"QAT ranges + {len(cal_x)} samples from {desc}")
    say(f"calibrating on {len(cal_x)} samples")
    return _checked(tf, make(), rep, name), f"{len(cal_x)} samples from {desc}"


def _checked(tf, conv, rep, name: str) -> bytes:
    """Full-integer conversion; ModelError unless every op runs in int8."""
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    if rep is not None:  # (QAT: see module docstring for why supported_ops stays default)
        conv.representative_dataset = rep
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    with _native_stderr() as err:
        try:
            tfl = conv.convert()
        except Exception as exc:
            raise ModelError(f"{name}: TFLite conversion failed: "
                             f"{_converter_error(str(exc), err.text())}; tinydeploy needs "
                             "layers that map to TFLite built-in int8 ops") from None
    float_ops = _float_ops(tfl)
    if float_ops:
        raise ModelError(f"{name}: no int8 TFLite kernel for {', '.join(float_ops)} (left in "
                         "float); replace the layers using them, tinydeploy needs a fully "
                         "int8 model")
    return tfl


def _float_ops(tfl: bytes) -> list[str]:
    """Names of ops that touch float/complex tensors (QUANTIZE/DEQUANTIZE only if alone)."""
    import tflite
    from tflite.utils import BUILTIN_OPCODE2NAME

    model = tflite.Model.GetRootAsModel(tfl, 0)
    int_types = {tflite.TensorType.INT8, tflite.TensorType.INT32, tflite.TensorType.INT16,
                 tflite.TensorType.INT64, tflite.TensorType.BOOL, tflite.TensorType.UINT8}
    names = set()
    for s in range(model.SubgraphsLength()):
        sg = model.Subgraphs(s)
        for i in range(sg.OperatorsLength()):
            op = sg.Operators(i)
            tensors = [t for t in [*op.InputsAsNumpy(), *op.OutputsAsNumpy()] if t >= 0]
            if any(sg.Tensors(int(t)).Type() not in int_types for t in tensors):
                code = model.OperatorCodes(op.OpcodeIndex())
                builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
                names.add(BUILTIN_OPCODE2NAME.get(builtin, f"BUILTIN_{builtin}"))
    return sorted(names - {"QUANTIZE", "DEQUANTIZE"}) or sorted(names)


def _converter_error(message: str, stderr: str) -> str:
    """The converter's first meaningful error line, without MLIR locations."""
    for text in (message, stderr):
        for line in text.splitlines():
            m = re.search(r"error: (.*\S)", line)
            if m and "failed while converting" not in m.group(1):
                return m.group(1)[:300]
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    return lines[0][:300] if lines else "unknown converter error"


# ---------------------------------------------------------------- evaluating

class _Accuracy:
    """Top-1 accuracy bookkeeping: float first (validates labels), int8 later."""

    def __init__(self):
        self.labels = self.x = self.float_acc = self.int8_acc = None
        self.n, self.note = 0, "no labels in the data file"

    def start(self, float_out: np.ndarray, y: np.ndarray, x: np.ndarray, desc: str):
        if float_out.ndim != 2 or float_out.shape[1] < 2:
            self.note = f"model output {float_out.shape[1:]} is not a class-score vector"
            return
        self.labels = _class_ids(y, float_out.shape[1], desc)
        self.x, self.n, self.note = x, len(x), None
        self.float_acc = float(np.mean(np.argmax(float_out, axis=1) == self.labels))

    def finish(self, int8_out: np.ndarray):
        self.int8_acc = float(np.mean(np.argmax(int8_out, axis=1) == self.labels))


def _class_ids(y: np.ndarray, classes: int, desc: str) -> np.ndarray:
    """Int class ids from [N] / [N, 1] ids or [N, C] one-hot labels."""
    if y.ndim == 2 and y.shape[1] == classes and classes > 1:
        return np.argmax(y, axis=1)
    ids = y.reshape(len(y), -1)
    if ids.shape[1] != 1 or not np.all(np.equal(np.mod(ids, 1), 0)):
        raise DataError(f"{desc}: labels of shape {y.shape} fit neither class ids [N] nor "
                        f"one-hot [N, {classes}] for a model with {classes} outputs")
    ids = ids[:, 0].astype(np.int64)
    if ids.min() < 0 or ids.max() >= classes:
        raise DataError(f"{desc}: label ids range {ids.min()}..{ids.max()} but the model has "
                        f"{classes} classes (0..{classes - 1})")
    return ids


def _batched(fn, x: np.ndarray, batch: int | None) -> np.ndarray:
    batch = batch or 128  # a model with a fixed batch size only accepts that size
    return np.concatenate([np.asarray(fn(x[i:i + batch])) for i in range(0, len(x), batch)])


def _interpreter(tf, tfl: bytes):
    """TFLite's reference kernels: they round like TFLite Micro; the optimized ones do not."""
    with warnings.catch_warnings():  # "tf.lite.Interpreter is deprecated" is not our problem
        warnings.filterwarnings("ignore", message=r".*tf\.lite\.Interpreter is deprecated")
        interp = tf.lite.Interpreter(
            model_content=tfl,
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    interp.allocate_tensors()
    return interp


def _run_int8(interp, x: np.ndarray) -> np.ndarray:
    d_in, d_out = interp.get_input_details()[0], interp.get_output_details()[0]
    scale, zp = d_in["quantization"]
    v = x / scale
    v = np.sign(v) * np.floor(np.abs(v) + 0.5)  # round half away from zero, like TFLite
    q = np.clip(v + zp, -128, 127).astype(np.int8)
    out = []
    for sample in q:
        interp.set_tensor(d_in["index"], sample[None])
        interp.invoke()
        out.append(interp.get_tensor(d_out["index"])[0].copy())
    return np.stack(out).reshape(len(q), -1)


def _quant(d: dict) -> dict:
    scale, zp = d["quantization"]
    return {"shape": [int(s) for s in d["shape"]], "scale": float(scale), "zero_point": int(zp)}


# ---------------------------------------------------------------- plumbing

def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a temp file in the same directory, then rename over path (atomic on POSIX)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _import_tf():
    """Import TensorFlow quietly (its C++ start-up logs ignore TF_CPP_MIN_LOG_LEVEL)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _native_stderr():
        try:
            import tensorflow as tf
        except ImportError:
            raise ToolError("TensorFlow is not installed; pip install 'tinydeploy[tf]'") from None
        tf.config.list_physical_devices()  # device probing logs (cuInit on CPU-only hosts) now
    import logging

    tf.get_logger().setLevel(logging.ERROR)
    with contextlib.suppress(ImportError):
        from absl import logging as absl_logging
        absl_logging.set_verbosity(absl_logging.ERROR)
    return tf


# Known-harmless native stderr lines: absl INFO/WARNING records (TF 2.21 logs through absl
# before absl::InitializeLog, which ignores TF_CPP_MIN_LOG_LEVEL), the converter's
# quantization banner and CUDA probing on CPU-only machines.
_NOISE = re.compile(r"^(?:[IW]\d{4} |WARNING: All log messages before absl::InitializeLog"
                    r"|fully_quantize: |E\d{4} .*(?:cuInit|cuda|CUDA))")


class _Captured:
    def __init__(self, file):
        self._file = file

    def text(self) -> str:
        if self._file is None:
            return ""
        sys.stderr.flush()
        self._file.seek(0)
        return self._file.read().decode(errors="replace")


@contextlib.contextmanager
def _native_stderr():
    """Capture fd 2 (C++ logs) during the block; afterwards replay every line that is not known
    noise. If the block raises a TinyDeployError, its one-line message already says what went
    wrong, so the diagnostics are dropped; any other exception gets the full replay.
    Set TF_CPP_MIN_LOG_LEVEL=0 or 1 to see everything unfiltered."""
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL") in ("0", "1"):
        yield _Captured(None)
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        cap = _Captured(tmp)
        replay = True
        try:
            yield cap
        except TinyDeployError:
            replay = False
            raise
        finally:
            text = cap.text()
            os.dup2(saved, 2)
            os.close(saved)
            keep = [ln for ln in text.splitlines() if ln.strip() and not _NOISE.match(ln)]
            if replay and keep:
                sys.stderr.write("\n".join(keep) + "\n")


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]


def _chain_text(exc: BaseException) -> str:
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts.append(str(exc))
        exc = exc.__cause__ or exc.__context__
    return "\n".join(parts)
