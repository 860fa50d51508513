"""The `tinydeploy` command line: a thin Click layer over the library. The main group and
most commands live here; commands with many options have their own module beside it."""
from __future__ import annotations

import functools
import json
import sys

import click

from .. import __version__
from ..errors import TinyDeployError, printable


def _friendly(fn):
    """Turn library errors into one line on stderr and a non-zero exit, never a traceback.
    Messages may quote names from a model file or a device: printable() keeps them to one
    terminal-safe line."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TinyDeployError as exc:
            click.echo(f"error: {printable(exc)}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
    return wrapper


def _progress(msg: str) -> None:
    click.echo(f"... {printable(msg)}", err=True)


def _show(text: str) -> None:
    """Print a human-readable report: each line terminal-safe (tensor and layer names come
    from the model file, device names and errors from the device)."""
    click.echo("\n".join(printable(line) for line in text.split("\n")))


def _report_option(fn):
    return click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
                        help="Also write the HTML report here (and its data as PATH.json beside "
                             "it): see `tinydeploy report`.")(fn)


def _write_report(items, path, board=None, quiet=False) -> None:
    from ..report import make_report
    r = make_report(items, path, board)
    click.echo(f"report: {r['html']} (data: {r['json']})", err=quiet)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tinydeploy")
def main():
    """tinydeploy: Keras model to planned, bit-exact C on Cortex-M, offline."""


@main.command()
@click.argument("model", type=click.Path())
@click.option("--data", "data", required=True,
              help="Training data: .npz (x_train/y_train, optional x_val/y_val and "
                   "x_test/y_test; or x/y) or a Python module:function (or file.py:function) "
                   "returning (x, y) arrays, a dict of arrays or a tf.data.Dataset.")
@click.option("-o", "--output", "output", required=True, type=click.Path(),
              help="Optimized Keras model: .h5 (.keras only without --qat). The int8 .tflite "
                   "and the JSON report are written beside it (NAME.tflite, NAME.report.json).")
@click.option("--prune", type=float, default=None, metavar="SPARSITY",
              help="Magnitude pruning to this fraction of zero weights (e.g. 0.5), polynomial "
                   "schedule over the first 70% of the steps, then stripped.")
@click.option("--prune-structure", default=None, metavar="M:N",
              help="Structured pruning instead: at most M non-zero weights in every N "
                   "consecutive ones along the input channels (e.g. 2:4).")
@click.option("--cluster", type=int, default=None, metavar="N",
              help="Weight clustering to N values per layer (sparsity-preserving after pruning).")
@click.option("--qat", is_flag=True,
              help="Quantization-aware training; pruning-/cluster-preserving (PQAT, CQAT, "
                   "PCQAT) when combined with --prune/--prune-structure/--cluster.")
@click.option("--epochs", default=4, show_default=True, type=click.IntRange(min=1),
              help="Training epochs per stage.")
@click.option("--batch-size", default=32, show_default=True, type=click.IntRange(min=1),
              help="Training batch size.")
@click.option("--learning-rate", default=1e-3, show_default=True,
              help="Adam learning rate for every stage.")
@click.option("--validation-split", default=0.1, show_default=True,
              help="Seeded fraction of the training data held out for validation when the "
                   "data has no x_val/y_val.")
@click.option("--seed", default=0, show_default=True,
              help="Seed for weights, shuffling, splits and calibration samples.")
@click.option("--loss", default=None,
              help="Keras loss name. Default: the model's compile state, else inferred from "
                   "the labels and the output layer.")
@click.option("--metrics", default=None,
              help="Comma-separated Keras metrics shown per epoch (default: the compile "
                   "state, else accuracy for classification, mae otherwise).")
@click.option("--skip-unsupported", is_flag=True,
              help="Optimize around layers tfmot cannot prune/cluster/quantize instead of "
                   "stopping; the report says what that means for the int8 model.")
@click.option("--no-baseline", is_flag=True,
              help="Skip converting the original model without optimization (the PTQ row "
                   "the optimized model is compared with).")
@click.option("--samples", default=200, show_default=True, type=click.IntRange(min=1),
              help="Calibration samples, when conversion needs them.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_report_option
@_friendly
def optimize(model, data, output, prune, prune_structure, cluster, qat, epochs, batch_size,
             learning_rate, validation_split, seed, loss, metrics, skip_unsupported,
             no_baseline, samples, as_json, report_path):
    """Prune, cluster and/or quantization-aware train a Keras model, convert it to int8 and
    report what each stage bought (accuracy, sparsity, size, arena, flash)."""
    from ..train.optimize import format_optimize_report, optimize_model
    report = optimize_model(
        model, data, output, prune=prune, prune_structure=prune_structure, qat=qat,
        cluster=cluster, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
        validation_split=validation_split, seed=seed, loss=loss,
        metrics=[m.strip() for m in metrics.split(",") if m.strip()] if metrics else None,
        skip_unsupported=skip_unsupported, baseline=not no_baseline, samples=samples,
        progress=None if as_json else _progress)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _show(format_optimize_report(report))
    if report_path:
        _write_report([("optimize", report)], report_path, quiet=as_json)


@main.command()
@click.argument("model", type=click.Path())
@click.option("--data", "data", required=True, type=click.Path(),
              help="Calibration data: .npz (x / x_train, optional labels) or .npy.")
@click.option("-o", "--output", "output", required=True, type=click.Path(),
              help="Where to write the int8 .tflite.")
@click.option("--samples", default=200, show_default=True, type=click.IntRange(min=1),
              help="Representative samples used for calibration.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_friendly
def convert(model, data, output, samples, as_json):
    """Convert a Keras model (.keras, .h5, SavedModel dir) to a fully int8 .tflite."""
    from ..train.convert import convert_model, format_report
    report = convert_model(model, data, output, samples=samples,
                           progress=None if as_json else _progress)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _show(format_report(report))


@main.command()
@click.argument("model", type=click.Path())
@click.option("--plan", "with_plan", is_flag=True,
              help="Also print the memory plan (tensor, bytes, first/last layer, offset) and "
                   "check that no two buffers live at the same time overlap.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_friendly
def inspect(model, with_plan, as_json):
    """Per-layer ops, shapes, MACs and weights; totals; planned arena bytes."""
    from ..compiler.compiled import compile_model
    from ..compiler.inspection import format_inspect, inspect_model
    report = inspect_model(compile_model(model), with_plan=with_plan)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _show(format_inspect(report))


@main.command()
@click.argument("model", type=click.Path())
@click.option("--inputs", "inputs", required=True, type=click.Path(),
              help="Inputs, batch first: .npy or .npz (x); for several inputs an .npz keyed "
                   "by input name or index ('0', '1', ...). int8 arrays are used as they are; "
                   "real-valued arrays are quantized with the model's input parameters.")
@click.option("--labels", "labels", type=click.Path(), default=None,
              help="Class ids or one-hot labels (.npy) for top-1 accuracy.")
@click.option("-o", "--output", "output", type=click.Path(), default=None,
              help="Write the outputs here: .npy (one output) or .npz (every output, "
                   "keyed by output name).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@_friendly
def predict(model, inputs, labels, output, as_json):
    """Run the generated C, compiled for this host, on every input (exact device arithmetic)."""
    from ..compiler.compiled import compile_model
    from ..compiler.predict import predict as run_predict
    from ..progress import reporter
    r = run_predict(compile_model(model), inputs, labels, output, progress=reporter(as_json))
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


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the boards as JSON.")
@_friendly
def boards(as_json):
    """List the supported boards: core, clock, flash, RAM, framework, emulated or real."""
    from ..deploy.boards import list_boards
    rows = [dict(name=b.name, core=b.core, fpu=b.fpu, clock_mhz=b.clock_hz / 1e6,
                 flash_bytes=b.flash.size, ram_bytes=b.ram.size, framework=b.framework,
                 emulated=b.emulated, mcu=b.mcu, description=b.description)
            for b in list_boards()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'board':<15}{'core':<12}{'MHz':>5}{'flash':>10}{'RAM':>9}  {'framework':<10}kind")
    for r in rows:
        click.echo(f"{r['name']:<15}{r['core'] + ('F' if r['fpu'] else ''):<12}"
                   f"{r['clock_mhz']:>5g}{r['flash_bytes'] // 1024:>8} K{r['ram_bytes'] // 1024:>7} K"
                   f"  {r['framework']:<10}{'emulated (QEMU)' if r['emulated'] else 'real'}")


@main.command()
@click.argument("model", type=click.Path())
@click.option("--board", "board", required=True, help="Board name (see `tinydeploy boards`) "
              "or the path of a board .toml file.")
@click.option("-o", "--output", "output", type=click.Path(), default=None,
              help="Project directory (default td-build/MODEL-BOARD).")
@click.option("--benchmark-id", default=None,
              help="MLPerf Tiny model id the firmware reports (kws01, vww01, ic01, ad01); "
                   "selects that benchmark's input format. Default: the model's own name.")
@click.option("--energy-mode", is_flag=True,
              help="Build the EEMBC energy-mode harness: 9600 baud, timestamps as pulses on "
                   "the board's marker pin (for an energy monitor) instead of lap lines.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_report_option
@_friendly
def build(model, board, output, benchmark_id, energy_mode, as_json, report_path):
    """Generate the firmware project for a board, compile it, report flash and RAM."""
    from ..compiler.compiled import compile_model
    from ..deploy.boards import load_board
    from ..deploy.build import build_firmware
    from ..deploy.fit import FitError
    from ..deploy.sizes import format_size_report
    from ..progress import reporter
    compiled = compile_model(model)
    board = load_board(board)
    try:
        r = build_firmware(compiled, board, output, benchmark_id, progress=reporter(as_json),
                           energy_mode=energy_mode)
    except FitError:
        if report_path:   # the report shows what does not fit, then the error as usual
            _write_report([("tflite", compiled.path)], report_path, board, quiet=True)
        raise
    if report_path:
        _write_report([("tflite", compiled.path), ("build", r)], report_path, board,
                      quiet=as_json)
    if as_json:
        click.echo(json.dumps(r, indent=2))
        return
    lines = [f"project: {r['project']} ({r['built']})"]
    lines += [f"{key:<8} {r[key]}" for key in ("elf", "bin", "hex", "image") if r.get(key)]
    _show("\n".join(lines + [format_size_report(r["size"], board)]))


@main.command()
@click.argument("build_dir", type=click.Path(file_okay=False), default=".", required=False)
@click.option("--board", "board", default=None,
              help="Board name (see `tinydeploy boards`) or the path of a board .toml file. "
                   "Default: the board BUILD_DIR was generated for.")
@click.option("--port", "port", default=None,
              help="Serial port of a real board. Default: found by the board's USB VID:PID.")
@click.option("--runner", "runner", default=None,
              help="Flash runner instead of the board's default: bossac, arduino-cli, pio, "
                   "pyocd, openocd, st-flash, qemu.")
@click.option("-a", "--runner-arg", "runner_args", multiple=True,
              help="Extra argument for the runner, repeatable: e.g. -a --target=nrf52840 "
                   "(pyocd), -a interface/cmsis-dap.cfg -a target/nrf52.cfg (openocd).")
@click.option("--serial", "serial", type=click.Choice(["tcp", "pty"]), default="tcp",
              show_default=True,
              help="Emulated boards: QEMU's serial on a local TCP port (the firmware starts "
                   "when the first client connects) or on a pty.")
@click.option("--stop", "stop_", is_flag=True,
              help="Stop the QEMU started for BUILD_DIR (by its recorded pid) and exit.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_friendly
def flash(build_dir, board, port, runner, runner_args, serial, stop_, as_json):
    """Flash BUILD_DIR (written by `tinydeploy build`; default .) onto its board, or start it
    in QEMU for an emulated board and print the serial URL to use."""
    from ..deploy.flash import flash as run_flash
    from ..deploy.flash import stop
    if stop_:
        r = stop(build_dir)
        click.echo(json.dumps(r, indent=2) if as_json else r["message"])
        return
    r = run_flash(build_dir, board, port=port, runner=runner, serial=serial,
                  extra=runner_args, progress=None if as_json else _progress)
    if as_json:
        click.echo(json.dumps(r, indent=2))
    elif r["emulated"]:
        click.echo(f"QEMU is running {r['board']} (pid {r['pid']}); serial: {r['url']}")
        click.echo(f"{r['note']}; stop it with: tinydeploy flash {r['build_dir']} --stop")
    else:
        click.echo(f"flashed {r['board']} with {r['runner']}"
                   + (f" on {r['port']}" if r["port"] else ""))


def _profile_options(fn):
    opts = [
        click.option("--inputs", type=click.Path(), default=None,
                     help="Inputs to check on the device: .npy/.npz (x, optional y) or a "
                          "directory of .bin files with an MLPerf Tiny y_labels.csv."),
        click.option("--runs", default=10, show_default=True,
                     type=click.IntRange(1, 1_000_000),
                     help="Timed inferences (sent in chunks of 100, so the device keeps "
                          "answering)."),
        click.option("--warmup", default=1, show_default=True, type=click.IntRange(0, 100),
                     help="Untimed warm-up runs."),
        click.option("--limit", type=click.IntRange(min=1), default=None,
                     help="Check at most this many inputs."),
        click.option("--ppk2", default=None, help="Serial port of a Nordic PPK2: measure "
                     "energy instead of estimating it."),
        click.option("--json", "as_json", is_flag=True, help="Print the report as JSON "
                     "(schema: docs/schema/profile.schema.json)."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def _emit_profile(report: dict, as_json: bool, extra: str = "") -> None:
    from ..measure.profile import format_profile
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        if extra:
            _show(extra)
        _show(format_profile(report["profile"] if "profile" in report else report))
    prof = report.get("profile", report)
    if not prof["complete"]:
        click.echo(f"error: {printable(prof['error'])} (partial results above)", err=True)
        sys.exit(1)


@main.command()
@click.option("--port", "port", required=True,
              help="Serial device (/dev/ttyACM0) or pyserial URL (socket://127.0.0.1:PORT).")
@click.option("--board", default=None, help="Board name, for the energy estimate.")
@click.option("--validate", "validate", type=click.Path(), default=None,
              help="The .tflite the device runs: check its outputs against the host build.")
@click.option("--baud", default=115200, show_default=True, type=click.IntRange(min=1))
@_profile_options
@_friendly
def profile(port, board, validate, baud, inputs, runs, warmup, limit, ppk2, as_json):
    """Measure a device over the serial port: latency, per-layer cost, output check, energy."""
    from ..compiler.compiled import compile_model
    from ..deploy.boards import load_board
    from ..measure.profile import profile_device
    from ..progress import reporter
    r = profile_device(port, board=load_board(board) if board else None, inputs=inputs,
                       runs=runs, warmup=warmup,
                       validate=compile_model(validate) if validate else None, ppk2=ppk2,
                       baudrate=baud, limit=limit, progress=reporter(as_json))
    _emit_profile(r, as_json)


@main.command()
@click.argument("model", type=click.Path())
@click.option("--board", required=True, help="Board name (see `tinydeploy boards`).")
@click.option("-o", "--output", "output", type=click.Path(), default=None,
              help="Project directory (default td-build/MODEL-BOARD).")
@click.option("--benchmark-id", default=None, help="MLPerf Tiny id (kws01, vww01, ic01, ad01).")
@click.option("--port", default=None, help="Serial port of a real board (default: found by "
              "the board's USB VID:PID).")
@click.option("--runner", default=None, help="Override the board's flash runner.")
@_profile_options
@_report_option
@_friendly
def run(model, board, output, benchmark_id, port, runner, inputs, runs, warmup, limit, ppk2,
        as_json, report_path):
    """Build, flash (or boot in QEMU) and profile in one command."""
    from ..compiler.compiled import compile_model
    from ..deploy.boards import load_board
    from ..deploy.sizes import format_size_report
    from ..measure.run import run_pipeline
    from ..progress import reporter
    board = load_board(board)
    r = run_pipeline(compile_model(model), board, out_dir=output, benchmark_id=benchmark_id, inputs=inputs,
                     runs=runs, warmup=warmup, port=port, runner=runner, ppk2=ppk2,
                     limit=limit, progress=reporter(as_json))
    size = "" if as_json else format_size_report(r["build"]["size"], board)
    if report_path:
        _write_report([("tflite", model), ("run", r)], report_path, board, quiet=as_json)
    _emit_profile(r, as_json, size)


@main.command()
@click.argument("artefacts", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="The HTML file to write; the same data goes to its .json beside it.")
@click.option("--board", default=None, help="Board name or .toml: show the fit against it "
              "(default: the board a build/run report or build folder names).")
@_friendly
def report(artefacts, output, board):
    """One self-contained HTML page from ARTEFACTS: a .tflite, build folders and the JSON of
    inspect, predict, convert, build, run, profile, optimize (NAME.report.json) or search
    (OUTDIR/search.json)."""
    _write_report(list(artefacts), output, board)


from ..search.cli import register as _register_search  # noqa: E402
from .distill import distill as _distill  # noqa: E402 - a command in its own module

main.add_command(_distill)
_register_search(main, _friendly, _show)
