"""`tinydeploy inspect`: per-layer facts and the memory plan (compiler/inspection.py)."""
from __future__ import annotations

import click

from .console import emit, friendly
from .options import json_option, model_argument, weights_option


@click.command()
@model_argument
@click.option("--plan", "with_plan", is_flag=True,
              help="Also print the memory plan (tensor, bytes, first/last layer, offset) and "
                   "check that no two buffers live at the same time overlap.")
@weights_option
@json_option()
@friendly
def inspect(model, with_plan, weights, as_json):
    """Per-layer ops, shapes, MACs and weights; totals; planned arena bytes."""
    from ..compiler.compiled import compile_model
    from ..compiler.inspection import format_inspect, inspect_model
    emit(inspect_model(compile_model(model, weights=weights), with_plan=with_plan), as_json,
         format_inspect)
