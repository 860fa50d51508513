"""`tinydeploy inspect`: per-layer facts and the memory plan (compiler/inspection.py)."""
from __future__ import annotations

import click

from .console import emit, friendly
from .options import (
    board_option,
    compile_for,
    flash_budget_option,
    json_option,
    max_slowdown_option,
    model_argument,
    weights_option,
)


@click.command()
@model_argument
@click.option("--plan", "with_plan", is_flag=True,
              help="Also print the memory plan (tensor, bytes, first/last layer, offset) and "
                   "check that no two buffers live at the same time overlap.")
@weights_option
@board_option("Also estimate each layer's instructions on this board's core (the cost "
              "model), stored as compiled and stored dense.")
@max_slowdown_option
@flash_budget_option
@json_option()
@friendly
def inspect(model, with_plan, weights, board, max_slowdown, flash_budget, as_json):
    """Per-layer ops, shapes, MACs and weights; totals; planned arena bytes."""
    from ..compiler.inspection import format_inspect, inspect_model
    if board is None:
        if max_slowdown is not None:
            raise click.UsageError("--max-slowdown needs --board (the core it is estimated on)")
        compiled = compile_for(model, weights, None, None, as_json, flash_budget)
        emit(inspect_model(compiled, with_plan=with_plan), as_json, format_inspect)
        return
    from ..deploy.boards import load_board
    from ..deploy.slowdown import encoding_costs
    b = load_board(board)
    compiled = compile_for(model, weights, b, max_slowdown, as_json, flash_budget)
    r = inspect_model(compiled, with_plan=with_plan)
    costs = iter(encoding_costs(compiled, b.core))
    for layer in r["layers"]:
        if layer["kernel"] != "alias (no copy)":
            c = next(costs)
            if c["calibrated"] or c["encoding"] == "dense":
                layer.update(instructions_est=round(c["instructions"]),
                             dense_instructions_est=round(c["dense_instructions"]))
    r["core"] = b.core
    emit(r, as_json, format_inspect)
