"""Progress of long steps: a bar on a terminal, plain lines otherwise, nothing with --json.

Library functions take `progress`, a callable that gets one-line messages ("compiling ..."),
or None. For a step with a known number of items they call `steps(progress, total, label)`:

    with steps(progress, len(samples), "checking outputs: input") as tick:
        for s in samples:
            ...
            tick()

What that shows depends on `progress`:
- a `Reporter` made by the CLI for a terminal (stdout and stderr both ttys, no --json): a
  Click progress bar on stderr with the count and an estimate of the time left;
- any other callable (the CLI when piped, tests, library users): a message
  "LABEL K of TOTAL" for the first item, every `every`-th and the last, so logs stay
  line-oriented and small (ticks of several items: one message when a multiple of
  `every` is passed);
- None: nothing.
"""
from __future__ import annotations

import contextlib
import sys

import click


class Reporter:
    """The CLI's progress sink: one-line messages on stderr, and bars when `bars` is set."""

    def __init__(self, bars: bool):
        self.bars = bars

    def __call__(self, msg: str) -> None:
        click.echo(f"... {msg}", err=True)

    @contextlib.contextmanager
    def bar(self, total: int, label: str):
        with click.progressbar(length=total, label=label.split(":")[0], show_pos=True,
                               show_eta=True, file=sys.stderr, width=30) as b:
            yield lambda n=1: b.update(n)


def reporter(as_json: bool) -> Reporter | None:
    """The sink for a command: None with --json (quiet), bars only on a terminal."""
    if as_json:
        return None
    return Reporter(bars=sys.stdout.isatty() and sys.stderr.isatty())


@contextlib.contextmanager
def steps(progress, total: int, label: str, every: int = 10):
    """A `tick(n=1)` callable for `total` items of one step (see the module docstring)."""
    if progress is None or total <= 0:
        yield lambda n=1: None
        return
    if isinstance(progress, Reporter) and progress.bars:
        with progress.bar(total, label) as tick:
            yield tick
        return
    done = 0

    def tick(n: int = 1) -> None:
        nonlocal done
        before, done = done, done + n
        hit = [i for i in range(before, done) if i % every == 0 or i + 1 == total]
        if hit:
            progress(f"{label} {hit[-1] + 1 if n == 1 else done} of {total}")
    yield tick
