"""What the activation and L2-normalization lowerings refuse: one-line ModelErrors naming
the layer, for quantizations TFLite Micro would misread or reject (built without
TensorFlow)."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.errors import ModelError

from tflite_builder import build, tensor

pytestmark = pytest.mark.unit


def _unary(op, qin, qout, options=None, shape=(1, 8)):
    tensors = [tensor("x", shape, "int8", *qin), tensor("y", shape, "int8", *qout)]
    return build(tensors, [(op, [0], [1], options) if options else (op, [0], [1])], [0], [1])


def _prelu(alpha_scale, alpha_zp=0):
    alpha = np.arange(4, dtype=np.int8)
    tensors = [tensor("x", [1, 3, 4], "int8", 0.05, 2),
               tensor("alpha", [4], "int8", alpha_scale, alpha_zp, alpha),
               tensor("y", [1, 3, 4], "int8", 0.04, -5)]
    return build(tensors, [("PRELU", [0, 1], [2])], [0], [2])


CASES = {
    "tanh_output_scale": (_unary("TANH", (0.05, 0), (1 / 256, -128)),
                          "layer 0 TANH: int8 output must have scale 0.0078125"),
    "l2norm_output_zp": (_unary("L2_NORMALIZATION", (0.05, 0), (1 / 128, 3),
                                ("L2NormOptions", {})),
                         "layer 0 L2_NORMALIZATION: int8 output must have scale 1/128"),
    "l2norm_activation": (_unary("L2_NORMALIZATION", (0.05, 0), (1 / 128, 0),
                                 ("L2NormOptions", {"FusedActivationFunction": 1})),
                          "layer 0 L2_NORMALIZATION: fused activation RELU"),
    "hard_swish_left_shift": (_unary("HARD_SWISH", (0.05, 0), (0.0001, 0)),
                              "layer 0 HARD_SWISH: output scale"),
    "prelu_per_channel_alpha": (_prelu([0.01, 0.02, 0.03, 0.04], [0, 0, 0, 0]),
                                "layer 0 PRELU: alpha 'alpha' must be int8 with one scale"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refusal_is_one_line_naming_the_layer(case):
    buf, message = CASES[case]
    with pytest.raises(ModelError) as exc:
        compile_model(buf)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_per_tensor_prelu_alpha_is_taken():
    assert [la.kernel for la in compile_model(_prelu(0.01)).program.layers] == ["td_prelu_s8"]
