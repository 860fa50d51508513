"""`tinydeploy export`: the model as a library for your own firmware (deploy/export.py)."""
from __future__ import annotations

import click

from .console import friendly, show
from .options import model_argument, weights_option


@click.command()
@model_argument
@click.option("--format", "fmt", required=True,
              help="c (sources + a Makefile fragment, model.mk), cmake (a library target "
                   "for add_subdirectory / find_package), arduino (a library folder and its "
                   ".zip), platformio (library.json) or zephyr (a module).")
@click.option("--core", required=True,
              help="The Cortex-M core the library is compiled for (cortex-m4, ...).")
@click.option("-o", "--output", "output", type=click.Path(), required=True,
              help="Directory to write the export to.")
@click.option("--name", default="td_model", show_default=True,
              help="C identifier every model symbol starts with (td_model -> NAME), so "
                   "several exported models link into one image.")
@click.option("--arena", default="static", show_default=True,
              help="static: the model's own buffer; extern: the application passes one to "
                   "NAME_set_arena (several models may share it).")
@click.option("--arena-section", "section", default=None,
              help="Linker section of the static arena (such as .dtcm_bss).")
@weights_option
@friendly
def export(model, fmt, core, output, name, arena, section, weights):
    """Write the model as a library for your firmware: model, the kernels it calls, README."""
    from ..compiler.compiled import compile_model
    from ..deploy.export import check_options, export_files
    from ..writer import write_files
    check_options(fmt, core, name, arena, section)   # before the model is even read
    files = export_files(compile_model(model, weights=weights), fmt, core, name, arena, section)
    write_files(files, output)
    show(f"exported {name} ({fmt}, {core}, arena {arena}): {len(files)} files in {output}")
