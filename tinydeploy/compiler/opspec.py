"""One record per supported op: everything the compiler knows about it, in one place.

Contract: an OpSpec is declared beside the op's lowering (the `SPECS` tuple at the end of
each lower/<family>.py module); lower/registry.py gathers them, and the tables the reader,
the verifier, validation, lowering and the optimize report use are derived from them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .ir import Graph, Op

Rule = Callable[[Graph, Op], list[str]]


@dataclass(frozen=True)
class OpSpec:
    """An op the compiler takes.

    name: its TFLite builtin name. verify: the verifier's rule (graph, op) -> problems,
    checking the options and the output shape. lower: (LowerContext, op) -> Layer(s);
    None for ops that only rename memory (aliases) or are folded into another op.
    options: the reader's parser of its builtin options table (a tflite Operator -> plain
    dict; None: no options are read). inputs: how many inputs it needs at least;
    optional_inputs: positions a model may leave out (tensor index -1); descriptor_inputs:
    positions holding int32/int64 shape, axis or padding values rather than data.
    kernels: the C kernel stems (td_<stem>) its lowering may emit. weight_axis: the
    output-channel axis of its int8 weights (input 1), None if it has none. alias: it
    only renames memory (no kernel, the output is a view of input 0). int16: it also takes
    int16 activations (16x8 models: int16 in, int16 out).
    """
    name: str
    verify: Rule
    lower: Callable[..., Any] | None = None
    options: Callable[[Any], dict] | None = None
    inputs: int = 1
    optional_inputs: tuple[int, ...] = ()
    descriptor_inputs: tuple[int, ...] = ()
    kernels: tuple[str, ...] = ()
    weight_axis: int | None = None
    alias: bool = False
    int16: bool = False
