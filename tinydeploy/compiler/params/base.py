"""The base of every parameter struct, and the facts all of them share: the kernels' header
version, the most dimensions, which kernels may work in place."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

KERNELS_VERSION = 6
MAX_DIMS = 6          # TD_MAX_DIMS: the most dimensions a broadcast or tensor info holds

# The one statement of which kernels may write their output over an input of the same size
# (the planner then may give both one buffer): each reads element i (softmax: row i) of the
# input before writing element i of the output.
IN_PLACE_KERNELS = frozenset({
    "td_add_s8", "td_mul_s8", "td_softmax_s8", "td_logistic_s8", "td_requantize_s8",
    "td_sub_s8", "td_maximum_s8", "td_minimum_s8", "td_squared_difference_s8",  # issue 10
    "td_lut_s8", "td_prelu_s8", "td_l2norm_s8"})        # activations, L2_NORMALIZATION


@dataclass
class Params:
    C_TYPE: ClassVar[str]

    def items(self) -> list[tuple[str, object]]:
        """(field, value) in the C struct's order."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


