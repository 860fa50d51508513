"""The `convert` stage: Keras model + data file -> fully int8 .tflite, with an accuracy report.

Contract: `convert_model(...)` returns a report dict or raises a TinyDeployError subclass with
one line (ModelError for the model, DataError for the data). The .tflite is written
atomically, so a failed run never leaves a partial file.

TensorFlow is imported lazily, inside functions, so `import tinydeploy.convert` stays cheap.
Loading the model and choosing its converter live in keras_load.py (with the notes on which
conversion path works for which model kind); quiet TF import and stderr filtering in tfenv.py.

QAT (tfmot FakeQuant ops): TF 2.21 validates `supported_ops={TFLITE_BUILTINS_INT8}` before it
has the graph, so it demands a representative dataset even for QAT models. We therefore leave
supported_ops at the default for QAT and check afterwards that the graph is all int8; if it
is not, we fall back to a calibration pass.
"""
from __future__ import annotations

import functools
import re
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..data import load_arrays
from ..errors import DataError, ModelError, TinyDeployError
from ..writer import write_bytes_atomic
from .keras_load import load_model, model_kind
from .tfenv import import_tf, native_stderr

MAX_EVAL = 1000


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
    kind = model_kind(model_path)                        # cheap checks before importing TF
    x, y, desc = load_arrays(data_path)
    tf = import_tf()

    with tempfile.TemporaryDirectory(prefix="tinydeploy-") as work:
        say("loading model")
        model = load_model(tf, model_path, kind)
        shape = match_shape(model.input_shape, x.shape[1:], desc, model_path.name)
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
        interp = interpreter(tf, tfl)
        if acc.labels is not None:
            say("evaluating int8 with the reference interpreter")
            acc.finish(run_int8(interp, acc.x))

        in_d, out_d = interp.get_input_details()[0], interp.get_output_details()[0]
        say(f"writing {out}")
        write_bytes_atomic(out, tfl)
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


# ---------------------------------------------------------------- converting

def match_shape(model_shape, data_shape, desc: str, name: str) -> tuple:
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
    with native_stderr() as err:
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
        self.labels = class_ids(y, float_out.shape[1], desc)
        self.x, self.n, self.note = x, len(x), None
        self.float_acc = float(np.mean(np.argmax(float_out, axis=1) == self.labels))

    def finish(self, int8_out: np.ndarray):
        self.int8_acc = float(np.mean(np.argmax(int8_out, axis=1) == self.labels))


def class_ids(y: np.ndarray, classes: int, desc: str) -> np.ndarray:
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


def interpreter(tf, tfl: bytes):
    """TFLite's reference kernels: they round like TFLite Micro; the optimized ones do not."""
    with warnings.catch_warnings():  # "tf.lite.Interpreter is deprecated" is not our problem
        warnings.filterwarnings("ignore", message=r".*tf\.lite\.Interpreter is deprecated")
        interp = tf.lite.Interpreter(
            model_content=tfl,
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    interp.allocate_tensors()
    return interp


def run_int8(interp, x: np.ndarray) -> np.ndarray:
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
