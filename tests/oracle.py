"""Reference oracles for bit-exactness tests.

    run_tflm(model, inputs)    TFLite Micro (host build, python package tflite_micro)
    run_ref(model, inputs)     TFLite reference kernels (BUILTIN_REF op resolver)
    tflm_arena_bytes(model)    {"total", "head", "tail"} arena bytes TFLM really uses

`model` is a path to a .tflite file or its bytes; `inputs` is int8, batch first
([n, *input_shape_without_batch]); outputs are stacked batch first ([n, *output_shape
_without_batch]). Several inputs/outputs: give `inputs` as a list of batch-first arrays,
one per model input in the model's order, each in that input's dtype (int8, or float32 for
a float input); the result is then a list with one batch-first array per output. An array
given for a multi-output model also returns the list.

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


def _per_sample(inputs) -> tuple[list[np.ndarray], bool]:
    """(one array per model input, whether the caller gave a list)."""
    if isinstance(inputs, (list, tuple)):
        return [np.asarray(x) for x in inputs], True
    x = np.asarray(inputs)
    if x.dtype != np.int8:
        raise TypeError(f"inputs must be int8, got {x.dtype}")
    return [x], False


def _fit(sample: np.ndarray, shape, dtype=None) -> np.ndarray:
    """One sample shaped like the model input (batch 1)."""
    shape = tuple(int(s) for s in shape)
    if sample.size != int(np.prod(shape)):
        raise ValueError(f"input sample has {sample.size} values, model input {shape} "
                         f"needs {int(np.prod(shape))}")
    out = np.ascontiguousarray(sample.reshape(shape))
    return out if dtype is None else out.astype(dtype)


def _unbatch(y: np.ndarray) -> np.ndarray:
    return y.reshape(y.shape[1:]) if y.ndim > 1 and y.shape[0] == 1 else y


def _result(outs: list[list[np.ndarray]], as_list: bool):
    stacked = [np.stack(o) for o in outs]
    return stacked if as_list or len(stacked) > 1 else stacked[0]


def _tflm_interpreter(buf: bytes):
    from tflite_micro.python.tflite_micro import runtime
    return runtime.Interpreter.from_bytes(buf, arena_size=_arena_size(buf))


def _io_counts(buf: bytes) -> tuple[int, int]:
    from tinydeploy.compiler.reader import parse
    g = parse(buf)
    return len(g.inputs), len(g.outputs)


def run_tflm(model, inputs):
    """Outputs of TFLite Micro for each input (batch first; see the module docstring)."""
    buf = _bytes(model)
    xs, as_list = _per_sample(inputs)
    n_in, n_out = _io_counts(buf)
    if len(xs) != n_in:
        raise ValueError(f"{len(xs)} input arrays for a model with {n_in} inputs")
    interp = _tflm_interpreter(buf)
    details = [interp.get_input_details(k) for k in range(n_in)]
    outs: list[list[np.ndarray]] = [[] for _ in range(n_out)]
    for i in range(xs[0].shape[0]):
        if i:
            interp.reset()
        for k, d in enumerate(details):
            interp.set_input(_fit(xs[k][i], d["shape"], d["dtype"]), k)
        interp.invoke()
        for k in range(n_out):
            outs[k].append(_unbatch(np.array(interp.get_output(k), copy=True)))
    return _result(outs, as_list)


def run_ref(model, inputs):
    """Outputs of the TFLite reference kernels (BUILTIN_REF) for each input."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    buf = _bytes(model)
    xs, as_list = _per_sample(inputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")           # "tf.lite.Interpreter is deprecated"
        interp = tf.lite.Interpreter(
            model_content=buf,
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    interp.allocate_tensors()
    ins = interp.get_input_details()
    outd = interp.get_output_details()
    if len(xs) != len(ins):
        raise ValueError(f"{len(xs)} input arrays for a model with {len(ins)} inputs")
    outs: list[list[np.ndarray]] = [[] for _ in outd]
    for i in range(xs[0].shape[0]):
        for k, d in enumerate(ins):
            interp.set_tensor(d["index"], _fit(xs[k][i], d["shape"], d["dtype"]))
        interp.invoke()
        for k, d in enumerate(outd):
            outs[k].append(_unbatch(np.array(interp.get_tensor(d["index"]), copy=True)))
    return _result(outs, as_list)


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
