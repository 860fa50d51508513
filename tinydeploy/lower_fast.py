"""Choose the fast kernel of a convolution layer and prepare what it reads at build time.

Contract: `conv_fast(f)` / `depthwise_fast(f)` take the reference Layer that lower.conv
built (portable kernel, weights as in the .tflite) and, where a fast kernel applies,
switch `layer.kernel`, replace the weights by the layout that kernel reads, and fill the
fast-path fields (acc0, rq, scratch) with `layer.scratch` bytes planned. Where none
applies the layer is left as it is. Bit-exactness does not depend on the choice.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import kernel_layout as kl
from .ir import Op
from .program import SCRATCH, Layer, LowerContext


@dataclass
class ConvFast:
    low: LowerContext
    op: Op
    layer: Layer
    weights: np.ndarray        # as in the .tflite: conv [oc][kh][kw][ic], depthwise [1][kh][kw][oc]
    bias: np.ndarray | None
    mult: list
    shift: list

    @property
    def p(self) -> dict:
        return self.layer.params

    def replace_const(self, what: str, ctype: str, values) -> str:
        """Swap (or add) the layer's constant `td_l<index>_<what>` for new values."""
        name = f"td_l{self.op.index}_{what}"
        self.layer.consts = [c for c in self.layer.consts if c.name != name]
        return self.low.const(self.layer.consts, self.op, what, ctype, values)

    def requant(self) -> str | None:
        """The rq table constant as a td_rq_t pointer expression, or None."""
        table = kl.requant_table(self.mult, self.shift, self.p["out_offset"])
        if table is None:
            return None
        return "(const td_rq_t *)" + self.replace_const("rq", "int32_t", table)


def conv_fast(f: ConvFast) -> None:
    """CONV_2D fast paths (td_conv2d_1x1_s8, td_conv2d_im2col_s8)."""


def depthwise_fast(f: ConvFast) -> None:
    """DEPTHWISE_CONV_2D fast paths."""
