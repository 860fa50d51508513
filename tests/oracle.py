"""Reference oracles for bit-exactness tests.

    run_tflm(model, inputs)    TFLite Micro (host build, python package tflite_micro)
    run_ref(model, inputs)     TFLite reference kernels (BUILTIN_REF op resolver)
    tflm_arena_bytes(model)    {"total", "head", "tail"} arena bytes TFLM really uses

`model` is a path to a .tflite file or its bytes; `inputs` is int8, batch first
([n, *input_shape_without_batch]); outputs are stacked batch first ([n, *output_shape
_without_batch]). Single-input, single-output models.

Known, expected disagreements between the two oracles (TFLM is the one generated code
must match), all seen on the zoo with TF 2.21 / tflite_micro 0.dev20261023182759:
* FULLY_CONNECTED rounding: up to 2 LSB (e.g. fc_autoencoder, fc_relu, fc_3d).
* SPACE_TO_BATCH_ND -> conv -> BATCH_TO_SPACE_ND (dilated conv, free batch): the
  intermediate tensors are stored with batch 1 but really have batch d_h*d_w; the TF
  interpreter resizes them, TFLM does not and gets large errors (TF ref is the correct
  one).
* Standalone int8 RELU6 whose output scale differs from its input scale: TFLM clamps the
  raw input to [zp_in, round(6/scale_in)+zp_in] and ignores the output quantization; the
  TF reference requantizes (relu6_standalone: almost every value differs).
Every other zoo model agrees bit-exactly.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np


def _bytes(model) -> bytes:
    if isinstance(model, (bytes, bytearray, memoryview)):
        return bytes(model)
    return Path(model).read_bytes()


def _arena_size(buf: bytes) -> int:
    """Generous arena: TFLM's own heuristic (10x model) is too small for models with
    large activations and tiny weights."""
    act = 0
    try:
        from tinydeploy.compiler.reader import parse
        g = parse(buf)
        act = sum(t.nbytes for t in g.tensors if not t.is_const)
    except Exception:
        pass
    return len(buf) * 10 + 4 * act + (1 << 20)


def _per_sample(inputs: np.ndarray) -> np.ndarray:
    x = np.asarray(inputs)
    if x.dtype != np.int8:
        raise TypeError(f"inputs must be int8, got {x.dtype}")
    return x


def _fit(sample: np.ndarray, shape) -> np.ndarray:
    """One sample shaped like the model input (batch 1)."""
    shape = tuple(int(s) for s in shape)
    if sample.size != int(np.prod(shape)):
        raise ValueError(f"input sample has {sample.size} values, model input {shape} "
                         f"needs {int(np.prod(shape))}")
    return np.ascontiguousarray(sample.reshape(shape))


def _tflm_interpreter(buf: bytes):
    from tflite_micro.python.tflite_micro import runtime
    return runtime.Interpreter.from_bytes(buf, arena_size=_arena_size(buf))


def run_tflm(model, inputs: np.ndarray) -> np.ndarray:
    """Outputs of TFLite Micro for each input (batch first, int8)."""
    buf = _bytes(model)
    x = _per_sample(inputs)
    interp = _tflm_interpreter(buf)
    shape = interp.get_input_details(0)["shape"]
    outs = []
    for i in range(x.shape[0]):
        if i:
            interp.reset()
        interp.set_input(_fit(x[i], shape), 0)
        interp.invoke()
        y = np.array(interp.get_output(0), copy=True)
        outs.append(y.reshape(y.shape[1:]) if y.ndim > 1 and y.shape[0] == 1 else y)
    return np.stack(outs)


def run_ref(model, inputs: np.ndarray) -> np.ndarray:
    """Outputs of the TFLite reference kernels (BUILTIN_REF) for each input."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    buf = _bytes(model)
    x = _per_sample(inputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")           # "tf.lite.Interpreter is deprecated"
        interp = tf.lite.Interpreter(
            model_content=buf,
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]
    outs = []
    for i in range(x.shape[0]):
        interp.set_tensor(inp["index"], _fit(x[i], inp["shape"]))
        interp.invoke()
        y = np.array(interp.get_tensor(out["index"]), copy=True)
        outs.append(y.reshape(y.shape[1:]) if y.ndim > 1 and y.shape[0] == 1 else y)
    return np.stack(outs)


_CHILD = r"""
import sys
import numpy as np
from tflite_micro.python.tflite_micro import runtime
buf = open(sys.argv[1], "rb").read()
interp = runtime.Interpreter.from_bytes(buf, arena_size=int(sys.argv[2]))
d = interp.get_input_details(0)
interp.set_input(np.zeros(d["shape"], dtype=d["dtype"]), 0)
interp.invoke()
sys.stdout.flush()
interp.print_allocations()
"""

_RE = {k: re.compile(p) for k, p in {
    "total": r"Arena allocation total (\d+) bytes",
    "head": r"Arena allocation head (\d+) bytes",
    "tail": r"Arena allocation tail (\d+) bytes",
}.items()}


def tflm_arena_bytes(model) -> dict:
    """TFLM's arena use for `model` (path or bytes): {"total": N, "head": N, "tail": N}.

    print_allocations() writes to the C stdio streams, so it runs in a subprocess."""
    import tempfile
    if isinstance(model, (bytes, bytearray, memoryview)):
        with tempfile.NamedTemporaryFile(suffix=".tflite", delete=False) as f:
            f.write(bytes(model))
            path, tmp = f.name, True
    else:
        path, tmp = str(model), False
    try:
        buf = Path(path).read_bytes()
        r = subprocess.run([sys.executable, "-c", _CHILD, path, str(_arena_size(buf))],
                           capture_output=True, text=True, timeout=300)
    finally:
        if tmp:
            os.unlink(path)
    text = r.stdout + "\n" + r.stderr
    if r.returncode != 0:
        raise RuntimeError(f"TFLM allocation run failed ({r.returncode}):\n{text[-2000:]}")
    res = {}
    for k, rx in _RE.items():
        m = rx.search(text)
        if m is None:
            raise RuntimeError(f"no '{k}' line in TFLM print_allocations output:\n"
                               f"{text[-2000:]}")
        res[k] = int(m.group(1))
    return res
