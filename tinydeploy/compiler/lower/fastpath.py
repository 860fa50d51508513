"""Choose the fast kernel of a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED layer and
prepare what it reads at build time.

Contract: `conv_fast(f)` / `depthwise_fast(f)` / `fully_connected_fast(f)` take the
reference Layer that lower/conv.py or lower/fully_connected.py built (portable kernel,
weights as in the .tflite) and, where a fast kernel applies, switch `layer.kernel`,
replace the weights by the layout that kernel reads (kernel_layout.py) and fill the
fast-path fields (acc0, rq, scratch; `layer.scratch` bytes get planned). Where none
applies the layer is left as it is. Bit-exactness does not depend on the choice.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import encode_nm, encode_palette, encode_sparse, encode_sparse_palette
from .. import kernel_layout as kl
from ..cnames import layer_symbol
from ..ir import Op
from ..program import SCRATCH, Layer, LowerContext


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
    def p(self):
        """The layer's ConvParams / FcParams, changed in place."""
        return self.layer.params

    def replace_const(self, what: str, ctype: str, values) -> str:
        """Swap (or add) the layer's constant `td_l<index>_<what>` for new values."""
        name = layer_symbol(self.op.index, what)
        self.layer.consts = [c for c in self.layer.consts if c.name != name]
        return self.low.const(self.layer.consts, self.op, what, ctype, values)

    def drop_reference_consts(self) -> None:
        """The fast kernels read acc0/rq: bias, mult and shift need no flash."""
        for what in ("b", "mult", "shift"):
            name = layer_symbol(self.op.index, what)
            self.layer.consts = [c for c in self.layer.consts if c.name != name]
        self.p.bias = self.p.mult = self.p.shift = None

    def requant(self, acc0: np.ndarray, w2d: np.ndarray, per_tensor: bool = False
                ) -> tuple[str, np.ndarray] | None:
        """(the rq table constant as a td_rq_t pointer expression, acc0 as the table needs
        it), or None. acc0 and the weight rows bound each channel's accumulators (for one
        per-tensor entry: all rows), which lets channels of tiny scale pass
        (kernel_layout.requant_table; a re-expressed channel starts higher)."""
        rng = kl.acc_range(acc0, w2d)
        if per_tensor:
            rng = (rng[0].min(keepdims=True), rng[1].max(keepdims=True))
        got = kl.requant_table(self.mult, self.shift, self.p.out_offset, rng)
        if got is None:
            return None
        table, delta = got
        return ("(const td_rq_t *)" + self.replace_const("rq", "int32_t", table),
                (acc0 + delta).astype(np.int32))


# per layer kind ("fc" or "conv", as encode_nm names them): its sparse and sparse-palette kernels
_SPARSE_KERNELS = {"fc": ("td_fully_connected_sparse_s8", "td_fully_connected_sparse_palette_s8"),
                   "conv": ("td_conv2d_sparse_s8", "td_conv2d_sparse_palette_s8")}


def _compress(f: ConvFast, w2d: np.ndarray, kind: str, apply_palette) -> None:
    """Store a dense fast layer sparse, sparse-palette, as a palette or 2:4 as the policy
    asks: a forced policy takes its encoding wherever it applies; "auto" the smallest one,
    only where it takes less flash than the dense weights. `kind`: "fc" or "conv";
    `apply_palette` is None where no palette kernel exists for the layer."""
    policy = f.low.weights
    if f.op.index in f.low.dense_layers:
        return
    sparse_kernel, both_kernel = _SPARSE_KERNELS[kind]
    blob = encode_sparse.candidate(policy, w2d)
    both = encode_sparse_palette.candidate(policy, w2d)
    pal = encode_palette.candidate(policy, w2d) if apply_palette is not None else None
    nm = encode_nm.candidate(policy, w2d, kind)
    options = []
    if blob is not None:
        options.append((int(blob.size), lambda: encode_sparse.store(f, blob, sparse_kernel)))
    if both is not None:
        options.append((int(both.size),
                        lambda: encode_sparse_palette.store(f, both, both_kernel)))
    if pal is not None:
        options.append((pal.nbytes, lambda: apply_palette(f, pal)))
    if nm is not None:
        store = encode_nm.store_fc if kind == "fc" else encode_nm.store_conv
        options.append((int(nm.size), lambda: store(f, nm)))
    if policy == "auto":
        dense_w = next(c.nbytes for c in f.layer.consts if c.name == f.p.weights)
        options = [o for o in options if o[0] < dense_w]
    if options:
        min(options, key=lambda o: o[0])[1]()


def conv_fast(f: ConvFast) -> None:
    """CONV_2D fast paths: td_conv2d_1x1_s8 (1x1, no padding) and td_conv2d_im2col_s8
    (any other filter); grouped convolutions keep the reference kernel."""
    p = f.p
    if p.filter_in_c != p.in_c:
        return
    oc = p.out_c
    w2d = f.weights.reshape(oc, -1)
    acc0 = kl.acc_init(f.bias, w2d, p.in_offset)
    got = f.requant(acc0, w2d) if acc0 is not None else None
    if got is None:
        return
    rq, acc0 = got
    pointwise = (p.k_h == 1 and p.k_w == 1 and p.pad_h == 0 and p.pad_w == 0
                 and (p.out_h - 1) * p.stride_h < p.in_h
                 and (p.out_w - 1) * p.stride_w < p.in_w)
    f.layer.kernel = "td_conv2d_1x1_s8" if pointwise else "td_conv2d_im2col_s8"
    k4 = kl.pad_depth(w2d.shape[1])
    p.weights = f.replace_const("w", "int8_t", kl.interleave_rows(w2d, 2))
    p.acc0 = f.replace_const("acc0", "int32_t", acc0)
    p.rq = rq
    p.scratch = SCRATCH
    # two pixels' int16 columns; im2col puts an int8 staging area in front
    f.layer.scratch = 4 * k4 if pointwise else 5 * k4
    f.drop_reference_consts()
    _compress(f, w2d, "conv", encode_palette.apply_conv_1x1 if pointwise else None)


def _depthwise_groups(w: np.ndarray) -> np.ndarray:
    """int8 [taps][c] -> the layout of td_depthwise_conv2d_3x3_s8: channels in groups of
    four, each group's taps in order (4 bytes per tap), then the c % 4 tail channels as
    [taps][rem]. A permutation: same size as the .tflite weights."""
    taps, c = w.shape
    g = c // 4
    groups = w[:, :4 * g].reshape(taps, g, 4).transpose(1, 0, 2).reshape(-1)
    return np.concatenate([groups, w[:, 4 * g:].reshape(-1)]).astype(np.int8)


def _depthwise_acc_rq(acc0: np.ndarray, rq: np.ndarray) -> np.ndarray:
    """The acc0 table of td_depthwise_conv2d_3x3_s8: per group of four channels their four
    accumulator starts then their four td_rq_t (12 words); per tail channel its start then
    its td_rq_t (3 words)."""
    c = acc0.size
    g = c // 4
    rq = rq.reshape(c, kl.RQ_WORDS)
    groups = np.concatenate([acc0[:4 * g].reshape(g, 4), rq[:4 * g].reshape(g, 4 * kl.RQ_WORDS)],
                            axis=1)
    tail = np.concatenate([acc0[4 * g:].reshape(-1, 1), rq[4 * g:]], axis=1)
    return np.concatenate([groups.reshape(-1), tail.reshape(-1)]).astype(np.int32)


def depthwise_fast(f: ConvFast) -> None:
    """DEPTHWISE_CONV_2D fast paths: td_depthwise_conv2d_3x3_s8 (3x3, depth multiplier 1,
    no dilation, any stride and padding); other shapes keep td_depthwise_conv2d_s8, which
    still takes the one-step requantization (rq) where it applies."""
    p = f.p
    c = p.out_c
    w2d = f.weights.reshape(-1, c).T                     # [oc][taps]
    acc0 = kl.acc_init(f.bias, w2d, p.in_offset)
    fast = (p.k_h == 3 and p.k_w == 3 and p.dil_h == 1 and p.dil_w == 1
            and p.depth_mult == 1 and acc0 is not None)
    got = kl.requant_table(f.mult, f.shift, p.out_offset,
                           kl.acc_range(acc0, w2d) if acc0 is not None else None)
    if got is None or (not fast and got[1].any()):
        return                     # td_mbqm in the general kernel (it has no acc0 to raise)
    table, delta = got
    if not fast:
        p.rq = "(const td_rq_t *)" + f.replace_const("rq", "int32_t", table)
        return
    assert acc0 is not None                              # part of `fast`
    acc0 = (acc0 + delta).astype(np.int32)
    f.layer.kernel = "td_depthwise_conv2d_3x3_s8"
    p.weights = f.replace_const("w", "int8_t", _depthwise_groups(w2d.T))
    p.acc0 = f.replace_const("acc0", "int32_t", _depthwise_acc_rq(acc0, table))
    f.drop_reference_consts()                           # bias, mult, shift: all in acc0
    # int16 weight pairs of the four-channel groups (DSP path), then the zero-point row
    p.scratch = SCRATCH
    f.layer.scratch = (c // 4) * 9 * 8 + kl.pad_depth(c)


def fully_connected_fast(f: ConvFast) -> None:
    """td_fully_connected_rows4_s8 for symmetric weights (the int8 spec's)."""
    p = f.p
    if p.w_offset != 0:
        return
    acc0 = kl.acc_init(f.bias, f.weights, p.in_offset)
    if acc0 is None:
        return
    got = f.requant(acc0, f.weights, per_tensor=not p.per_channel)
    if got is None:
        return
    rq, acc0 = got
    f.layer.kernel = "td_fully_connected_rows4_s8"
    p.weights = f.replace_const("w", "int8_t", kl.interleave_rows(f.weights, 4))
    p.acc0 = f.replace_const("acc0", "int32_t", acc0)
    p.rq = rq
    f.drop_reference_consts()
    _compress(f, f.weights, "fc", encode_palette.apply_fc)
