"""Float islands (compiler/float_islands.py): int8 -> DEQUANTIZE -> float elementwise ops ->
QUANTIZE -> int8, run as one int8 table (td_lut_s8). Built without TensorFlow: every int8
value through each float op TFLite Micro runs, and through chains of them, at several
quantizations, against TFLite Micro; the converter's own islands (a Keras ELU,
tf.math.square, tf.math.sin between layers) as zoo models; and what is not an island
(a float op read twice, a float model output) still refused."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.float_islands import UNARY
from tinydeploy.errors import ModelError

from bitexact import run_ours, stem_tests
from oracle import run_tflm
from tflite_builder import build, tensor

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# test_bit_exact, ...: the converter's islands (tests/zoo_ops.py)
globals().update(stem_tests("float_island"))


def island_model(kinds, qin, qout) -> bytes:
    """x int8 [1, 256] -> DEQUANTIZE -> kinds... -> QUANTIZE -> y int8."""
    tensors = [tensor("x", [1, 256], "int8", *qin)]
    tensors += [tensor(f"f{k}", [1, 256], "float32") for k in range(len(kinds) + 1)]
    tensors.append(tensor("y", [1, 256], "int8", *qout))
    ops = [("DEQUANTIZE", [0], [1])]
    ops += [(kind, [1 + k], [2 + k]) for k, kind in enumerate(kinds)]
    ops.append(("QUANTIZE", [1 + len(kinds)], [2 + len(kinds)]))
    return build(tensors, ops, [0], [len(tensors) - 1])


CASES = [((kind,), qin, qout) for kind in sorted(UNARY)
         for qin, qout in (((0.03, 5), (0.02, -3)), ((0.2, -100), (0.5, 90)))]
CASES += [(("NEG", "EXP"), (0.05, 0), (0.1, -128)), (("ABS", "SQRT", "LOG"), (0.1, 3), (0.05, 60)),
          (("SQUARE", "TANH", "ELU"), (0.02, -7), (0.008, 2)), ((), (0.04, 11), (0.03, -20)),
          (("SIN", "COS", "RELU6"), (0.3, 1), (0.01, -128))]


@pytest.mark.parametrize("kinds, qin, qout", CASES,
                         ids=[">".join(c[0]) + f"-{c[1][0]}" for c in CASES])
def test_every_int8_input_through_the_island_matches_tflite_micro(kinds, qin, qout):
    buf = island_model(kinds, qin, qout)
    layers = compile_model(buf).program.layers
    assert [la.kernel for la in layers] == ["td_lut_s8"] and len(layers[0].fused) == 1 + len(kinds)
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    ours = run_ours(buf, x)
    np.testing.assert_array_equal(ours, run_tflm(buf, x).reshape(ours.shape))


def test_a_float_tensor_read_twice_or_given_out_is_no_island():
    tensors = [tensor("x", [1, 8], "int8", 0.1, 0), tensor("f", [1, 8], "float32"),
               tensor("g", [1, 8], "float32"), tensor("y", [1, 8], "int8", 0.1, 0),
               tensor("z", [1, 8], "int8", 0.1, 0)]
    twice = build(tensors, [("DEQUANTIZE", [0], [1]), ("NEG", [1], [2]),
                            ("QUANTIZE", [2], [3]), ("QUANTIZE", [1], [4])], [0], [3, 4])
    with pytest.raises(ModelError, match="not supported yet"):
        compile_model(twice)
    out = build(tensors[:3], [("DEQUANTIZE", [0], [1]), ("NEG", [1], [2])], [0], [2])
    with pytest.raises(ModelError, match="not supported yet"):
        compile_model(out)
