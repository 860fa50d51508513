"""Bounding what compressed weights cost in time, per layer, on a board's core.

Contract: `encoding_costs(compiled, core)` gives, per kernel call, the cost model's
instructions as compiled and as the same layer would run stored dense (deploy/cost_model.py,
the coefficients shipped for the core); `limit_slowdown(compiled, core, factor)` returns the
model compiled again with every encoded layer whose estimate exceeds `factor` times its
dense estimate kept dense (Compiled.dense_layers), and those layers' .tflite indices. Both
are estimates: the cost model's, not a measurement (`run` measures); a kernel the model has
no coefficients for (the 2:4 kernels) is never judged.

`fit_flash_budget(compiled, core, budget)` keeps dense the encoded layers whose compression
the model does not need to keep its constants (weights and per-channel tables, what
`inspect` counts as stored) within `budget` bytes: first those the cost model estimates
slowest per byte saved, then (no estimate: the core has no cost model, or the kernel no
coefficients) those saving least; a layer estimated faster compressed stays compressed.
"""
from __future__ import annotations

import functools

from ..compiler.compiled import Compiled, compile_graph, compile_model
from ..errors import TinyDeployError
from ..resources import data_dir
from .cost_model import default_cost_model, estimate


def encoding_costs(compiled: Compiled, core: str) -> list[dict]:
    """[{tflite_index, kernel, encoding, instructions, dense_instructions, calibrated}] per
    kernel call; `calibrated`: the kernel has coefficients of its own (else the fallback's
    guess, which --max-slowdown does not act on)."""
    cm = default_cost_model(core)
    dense = compiled if compiled.weights == "dense" else _dense(compiled.tflite_bytes)
    mine, theirs = estimate(compiled, cm)["per_layer"], estimate(dense, cm)["per_layer"]
    layers = [layer for layer in compiled.program.layers if layer.kernel]
    if len(mine) != len(theirs):
        raise TinyDeployError("the dense and the encoded program differ in kernel calls")
    return [{"tflite_index": m["tflite_index"], "kernel": m["kernel"],
             "encoding": layer.encoding, "instructions": m["instructions"],
             "dense_instructions": d["instructions"],
             "calibrated": m["kernel"] in cm.coefficients}
            for m, d, layer in zip(mine, theirs, layers)]


def limit_slowdown(compiled: Compiled, core: str, factor: float
                   ) -> tuple[Compiled, list[int]]:
    """See the module docstring; `factor` >= 1 (1.0: no encoded layer may be slower)."""
    if factor < 1.0:
        raise TinyDeployError(f"--max-slowdown {factor:g}: give a factor of at least 1 (1.1 "
                              "allows a compressed layer 10% more instructions than dense)")
    slow = sorted({c["tflite_index"] for c in encoding_costs(compiled, core)
                   if c["encoding"] != "dense" and c["calibrated"]
                   and c["instructions"] > factor * c["dense_instructions"]})
    if not slow:
        return compiled, []
    return _recompile(compiled, compiled.weights,
                      compiled.dense_layers | frozenset(slow)), slow


def fit_flash_budget(compiled: Compiled, core: str | None, budget: int
                     ) -> tuple[Compiled, list[int]]:
    """See the module docstring; core None: no estimates. Raises TinyDeployError when even
    the compiled encodings exceed the budget."""
    total = compiled.program.const_bytes
    if total > budget:
        raise TinyDeployError(
            f"--flash-budget {budget:,}: the model's constants take {total:,} B even stored "
            f"as --weights {compiled.weights} gives them; prune or cluster harder, or raise "
            f"the budget")
    costs: dict[int, dict] = {}
    if core is not None and (data_dir("boards") / "cost" / f"{core}.json").is_file():
        costs = {c["tflite_index"]: c for c in encoding_costs(compiled, core) if c["calibrated"]}

    saved = {layer.index: layer.dense_const_bytes - layer.const_bytes
             for layer in compiled.program.layers if layer.encoding != "dense"
             and layer.dense_const_bytes and layer.dense_const_bytes > layer.const_bytes}

    def order(index: int) -> tuple:
        c = costs.get(index)
        if c is None:
            return (1, saved[index])
        return (0, -(c["instructions"] - c["dense_instructions"]) / saved[index])

    keep, slack = [], budget - total
    for index in sorted(saved, key=order):
        c = costs.get(index)
        if c is not None and c["instructions"] <= c["dense_instructions"]:
            continue                    # faster compressed: never worth restoring
        if saved[index] <= slack:
            slack -= saved[index]
            keep.append(index)
    if not keep:
        return compiled, []
    return _recompile(compiled, compiled.weights,
                      compiled.dense_layers | frozenset(keep)), sorted(keep)


@functools.lru_cache(maxsize=2)
def _dense(tflite_bytes: bytes) -> Compiled:
    """The model stored dense, compiled once per process (limit_slowdown and inspect's
    estimates both need it)."""
    return compile_model(tflite_bytes, weights="dense")


def _recompile(c: Compiled, weights: str, dense_layers: frozenset) -> Compiled:
    return compile_graph(c.graph, c.tflite_bytes, c.path, where=str(c.path or c.name),
                         weights=weights, dense_layers=dense_layers)
