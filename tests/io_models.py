"""Hand-built models with several inputs/outputs and float I/O (tests/tflite_builder.py),
shared by tests/unit/test_model_io_validate.py and tests/host_c/test_model_io.py."""
from __future__ import annotations

import numpy as np

from tflite_builder import build, tensor


def _fc(n_in, n_out, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(-127, 128, (n_out, n_in), dtype=np.int8),
            rng.integers(-500, 500, n_out, dtype=np.int32))


def float_io_model(extra_after_dequantize: bool = False) -> bytes:
    w, b = _fc(4, 3)
    t = [tensor("xf", [1, 4], "float32"), tensor("xq", [1, 4], "int8", 0.05, -3),
         tensor("w", [3, 4], "int8", 0.01, 0, w), tensor("b", [3], "int32", 0.0005, 0, b),
         tensor("yq", [1, 3], "int8", 0.1, 2), tensor("yf", [1, 3], "float32"),
         tensor("zf", [1, 3], "float32")]
    ops = [("QUANTIZE", [0], [1]), ("FULLY_CONNECTED", [1, 2, 3], [4]),
           ("DEQUANTIZE", [4], [5])]
    if extra_after_dequantize:
        ops.append(("RELU", [5], [6]))
    return build(t, ops, [0], [6 if extra_after_dequantize else 5])


def two_in_two_out_model(index_first: bool = False) -> bytes:
    """Two int8 inputs of different quantization -> ADD -> SOFTMAX (int8) and ARG_MAX
    (int32); `index_first` lists the ARG_MAX output first."""
    t = [tensor("a", [1, 6], "int8", 0.1, 1), tensor("b", [1, 6], "int8", 0.2, -5),
         tensor("s", [1, 6], "int8", 0.3, 0), tensor("probs", [1, 6], "int8", 1 / 256, -128),
         tensor("axis", [1], "int32", data=np.array([-1], np.int32)),
         tensor("idx", [1], "int32")]
    ops = [("ADD", [0, 1], [2], ("AddOptions", {})),
           ("SOFTMAX", [2], [3], ("SoftmaxOptions", {"Beta": 1.0})),
           ("ARG_MAX", [2, 4], [5])]
    return build(t, ops, [0, 1], [5, 3] if index_first else [3, 5])
