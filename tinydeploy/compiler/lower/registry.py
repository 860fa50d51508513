"""The op registry: every supported op's record (opspec.OpSpec), gathered from the SPECS
of the lowering modules, and the tables derived from them.

Contract: SPECS maps a builtin op name to its record; SUPPORTED_OPS (the ops the compiler
accepts), ALIAS_OPS, DISPATCH (op -> lowering) and OPTIONAL_INPUTS (op -> input positions
a model may leave out) are read off them, never written by hand; the verifier, the reader
and validation look records up in SPECS. Adding an op is adding its record to its family's
module (and the module to FAMILIES if it is new): see docs/architecture.md, "How to add
an op".
"""
from __future__ import annotations

from collections.abc import Callable

from ..opspec import OpSpec
from . import (
    activation,
    alias,
    arg_minmax,
    batch_matmul,
    broadcast_binary,
    concat,
    conv,
    dilated,
    elementwise,
    float_io,
    fully_connected,
    l2norm,
    pad,
    pool,
    reduce,
    requantize,
    resize,
    shape,
    softmax,
    transpose_conv,
)

FAMILIES = (conv, fully_connected, pool, elementwise, broadcast_binary, softmax, reduce, pad,
            concat, requantize, shape, resize, activation, l2norm, transpose_conv,
            batch_matmul, float_io, arg_minmax, dilated, alias)


def _gather() -> dict[str, OpSpec]:
    specs: dict[str, OpSpec] = {}
    for family in FAMILIES:
        for spec in family.SPECS:
            if spec.name in specs:
                raise RuntimeError(f"op {spec.name} has two records")
            specs[spec.name] = spec
    return specs


SPECS = _gather()
SUPPORTED_OPS = frozenset(SPECS)
ALIAS_OPS = frozenset(n for n, s in SPECS.items() if s.alias)
INT16_OPS = frozenset(n for n, s in SPECS.items() if s.int16)
DISPATCH: dict[str, Callable] = {n: s.lower for n, s in SPECS.items() if s.lower is not None}
OPTIONAL_INPUTS = {n: set(s.optional_inputs) for n, s in SPECS.items() if s.optional_inputs}
