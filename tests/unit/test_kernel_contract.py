"""The typed contract between the lowered program and the C kernels: every parameter
dataclass has exactly the fields of its struct in td_kernels.h (parsed here), the header's
TD_KERNELS_VERSION is the one the generator writes for, and every lowering emits them."""
import re
from dataclasses import fields

import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.compiler.lower import DISPATCH
from tinydeploy.compiler.params import ALL_PARAMS, IN_PLACE_KERNELS, KERNELS_VERSION, MAX_DIMS
from tinydeploy.compiler.validate import ALIAS_OPS, SUPPORTED_OPS
from tinydeploy.resources import data_dir

from tflite_builder import build, fc_softmax_model, tensor

pytestmark = pytest.mark.unit
HEADER = (data_dir("firmware") / "kernels" / "td_kernels.h").read_text()


def _structs(text: str) -> dict[str, list[str]]:
    """typedef struct { ... } name; -> [field names in order]."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    out = {}
    for body, name in re.findall(r"typedef\s+struct\s*\{(.*?)\}\s*(\w+)\s*;", text, flags=re.S):
        names = []
        for decl in body.split(";"):
            decl = " ".join(decl.split())
            if not decl:
                continue
            m = re.match(r"(?:const\s+)?\w+\s+(.*)", decl)
            for d in m.group(1).split(","):
                names.append(re.sub(r"\[.*?\]", "", d).replace("*", "").replace("const", "").strip())
        out[name] = names
    return out


def _prototypes(text: str) -> set[str]:
    return set(re.findall(r"^void\s+(td_\w+)\s*\(", text, flags=re.M))


STRUCTS = _structs(HEADER)


def test_header_parses_into_the_known_structs():
    assert "td_conv_params_t" in STRUCTS and STRUCTS["td_pad_params_t"] == [
        "in_dims", "out_dims", "before", "value"]


@pytest.mark.parametrize("cls", ALL_PARAMS, ids=lambda c: c.C_TYPE)
def test_params_dataclass_has_the_struct_fields_in_order(cls):
    assert cls.C_TYPE in STRUCTS, f"{cls.C_TYPE} is not a struct of td_kernels.h"
    assert [f.name for f in fields(cls)] == STRUCTS[cls.C_TYPE]


def test_every_struct_has_a_params_dataclass():
    assert {c.C_TYPE for c in ALL_PARAMS} == set(STRUCTS)


def test_kernels_version_and_max_dims_match_the_header():
    assert re.search(rf"^#define TD_KERNELS_VERSION {KERNELS_VERSION}\s*$", HEADER, re.M)
    assert re.search(rf"^#define TD_MAX_DIMS {MAX_DIMS}\s*$", HEADER, re.M)


def test_in_place_kernels_exist():
    assert IN_PLACE_KERNELS <= _prototypes(HEADER)


def test_every_supported_op_has_one_lowering():
    folded = {"SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"}     # folded into a dilated conv
    assert set(DISPATCH) | ALIAS_OPS | folded == SUPPORTED_OPS


def _add_mul_model():
    c = np.arange(8, dtype=np.int8).reshape(1, 8)
    t = [tensor("x", [1, 8], "int8", 0.1, 0), tensor("c", [1, 8], "int8", 0.05, 0, c),
         tensor("a", [1, 8], "int8", 0.2, 1), tensor("m", [1, 8], "int8", 0.3, 0)]
    ops = [("ADD", [0, 1], [2], ("AddOptions", {})), ("MUL", [2, 0], [3], ("MulOptions", {}))]
    return build(t, ops, [0], [3])


@pytest.mark.parametrize("model", [fc_softmax_model, _add_mul_model])
def test_lowered_layers_carry_their_structs_and_typed_args(model):
    c = compile_model(model())
    for layer in c.program.layers:
        if layer.kernel is None:
            continue
        assert layer.kernel in _prototypes(HEADER)
        assert [name for name, _ in layer.params.items()] == STRUCTS[layer.ptype]


def test_generated_model_refuses_other_kernels():
    from tinydeploy.compiler.codegen import generate
    c = compile_model(fc_softmax_model())
    text = generate(c.program, c.plan)["model/td_model.c"]
    assert f"TD_KERNELS_VERSION != {KERNELS_VERSION}" in text and "#error" in text
    assert "td_arena +" not in text.split("td_model_invoke")[1]     # named buffers in calls
