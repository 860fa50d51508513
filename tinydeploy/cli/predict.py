"""`tinydeploy predict`: the generated C on the host over a set of inputs (compiler/predict.py)."""
from __future__ import annotations

import json

import click

from .console import friendly
from .options import json_option, model_argument, weights_option


@click.command()
@model_argument
@click.option("--inputs", "inputs", required=True, type=click.Path(),
              help="Inputs, batch first: .npy or .npz (x); for several inputs an .npz keyed "
                   "by input name or index ('0', '1', ...). int8 arrays are used as they are; "
                   "real-valued arrays are quantized with the model's input parameters.")
@click.option("--labels", "labels", type=click.Path(), default=None,
              help="Class ids or one-hot labels (.npy) for top-1 accuracy.")
@click.option("-o", "--output", "output", type=click.Path(), default=None,
              help="Write the outputs here: .npy (one output) or .npz (every output, "
                   "keyed by output name).")
@click.option("--clamp-inputs", "clamp", is_flag=True,
              help="Clamp values an integer (non-int8) input cannot hold to its dtype's range "
                   "and say how many, instead of refusing the file.")
@weights_option
@json_option("Print the summary as JSON.")
@friendly
def predict(model, inputs, labels, output, clamp, weights, as_json):
    """Run the generated C, compiled for this host, on every input (exact device arithmetic)."""
    from ..compiler.compiled import compile_model
    from ..compiler.predict import predict as run_predict
    from ..progress import reporter
    r = run_predict(compile_model(model, weights=weights), inputs, labels, output,
                    progress=reporter(as_json), clamp=clamp)
    summary = {k: v for k, v in r.items() if k != "outputs"}
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"ran {r['count']} inputs ({r['inputs']}) through the generated C on the host")
    if r["accuracy"] is not None:
        click.echo(f"top-1 accuracy: {r['accuracy'] * 100:.2f}%")
    if r["output"]:
        click.echo(f"outputs written to {r['output']}"
                   + (f" (keys {', '.join(r['output_keys'])})" if r["output"].endswith(".npz")
                      else ""))
