"""Ops that only rename memory: RESHAPE, SQUEEZE, EXPAND_DIMS. They have no kernel; lower()
makes each a layer whose output is a view of its input (or, on a constant, a reshaped
constant)."""
from __future__ import annotations

from .. import verify_ops as rules
from ..opspec import OpSpec

SPECS = (
    OpSpec("RESHAPE", rules.same_shape, descriptor_inputs=(1,), alias=True, int16=True),
    OpSpec("SQUEEZE", rules.same_shape, alias=True, int16=True),
    OpSpec("EXPAND_DIMS", rules.same_shape, descriptor_inputs=(1,), alias=True, int16=True),
)
ALIAS_OPS = frozenset(s.name for s in SPECS)
