"""A free batch's SHAPE -> STRIDED_SLICE -> PACK chain is folded at compile time wherever it
feeds a shape TFLite Micro ignores: a RESHAPE's new shape as well as a TRANSPOSE_CONV's
output shape (what Keras models with the default free batch convert to)."""
import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.reader import parse
from tinydeploy.compiler.shape_inputs import output_shape_ops
from tinydeploy.errors import ModelError

from tflite_builder import build, tensor

pytestmark = pytest.mark.unit

_I32 = np.int32


def _free_batch_reshape(shape_is_also_an_output: bool = False) -> bytes:
    """x [1, 4, 4, 2] -> RESHAPE to [batch, 32], the batch computed at run time."""
    t = [tensor("x", [1, 4, 4, 2], "int8", 0.1, 3),
         tensor("shape", [4], "int32"),                                   # 1
         tensor("begin", [1], "int32", data=np.array([0], _I32)),
         tensor("end", [1], "int32", data=np.array([1], _I32)),
         tensor("step", [1], "int32", data=np.array([1], _I32)),
         tensor("batch", [], "int32"),                                    # 5
         tensor("rest", [], "int32", data=np.array(32, _I32)),
         tensor("new_shape", [2], "int32"),                               # 7
         tensor("y", [1, 32], "int8", 0.1, 3)]                            # 8
    ops = [("SHAPE", [0], [1]),
           ("STRIDED_SLICE", [1, 2, 3, 4], [5], ("StridedSliceOptions", {"ShrinkAxisMask": 1})),
           ("PACK", [5, 6], [7], ("PackOptions", {"ValuesCount": 2, "Axis": 0})),
           ("RESHAPE", [0, 7], [8])]
    return build(t, ops, [0], [8, 1] if shape_is_also_an_output else [8])


def test_the_batch_arithmetic_of_a_reshape_is_folded_away():
    buf = _free_batch_reshape()
    assert output_shape_ops(parse(buf)) == {0, 1, 2}
    c = compile_model(buf)
    assert [layer.op for layer in c.program.layers] == ["RESHAPE"]


def test_a_shape_value_used_elsewhere_is_not_folded():
    with pytest.raises(ModelError, match=r"not supported yet: SHAPE \(layer 0 SHAPE\)"):
        compile_model(_free_batch_reshape(shape_is_also_an_output=True))
