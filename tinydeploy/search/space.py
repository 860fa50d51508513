"""The engine-neutral search space: model knobs + compression knobs, asked through `suggest`.

`define(cfg, suggest)` asks every knob of one trial through `suggest(name, choices)` (an
Optuna trial's suggest_categorical in both engines) and returns the knobs dict. Model knobs
come from the family (train/families.py Family.space) or, for a user builder
`module:function`, from the builder itself: it is called `function(trial)` with a
BuildTrial whose `suggest(name, choices)` asks the engine (define-by-run), and whose
input_shape / classes describe the data; it returns a tf_keras model.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys

from ..errors import TinyDeployError

PRUNE = [0.0, 0.5, 0.75, "2:4"]     # sparsity, or M:N structured pruning
CLUSTER = [0, 16]                    # weight clusters (0: none)
QAT = [False, True]
DISTILL = [False, True]              # asked only when the search has a --teacher
COMPRESSION = ("prune", "cluster", "qat", "distill")


class BuildTrial:
    """What a user builder gets: suggest(name, choices), input_shape, classes, knobs."""

    def __init__(self, input_shape: tuple, classes: int, suggest):
        self.input_shape, self.classes, self._suggest = tuple(input_shape), int(classes), suggest
        self.knobs: dict = {}

    def suggest(self, name: str, choices):
        if name in COMPRESSION:
            raise TinyDeployError(f"builder knob '{name}' clashes with the search's compression "
                                  f"knob of that name; rename it")
        if name not in self.knobs:
            self.knobs[name] = self._suggest(name, list(choices))
        return self.knobs[name]


def fixed(knobs: dict):
    """A suggest() that replays stored knobs (the trial side of both engines)."""
    def suggest(name, choices):
        if name not in knobs:
            raise TinyDeployError(f"knob '{name}' was not asked when the trial was defined")
        return knobs[name]
    return suggest


def load_builder(spec: str):
    m = re.fullmatch(r"(.+):([A-Za-z_]\w*)", spec or "")
    if not m:
        raise TinyDeployError(f"--builder '{spec}': give module:function (or file.py:function)")
    try:
        if m[1].endswith(".py"):
            where = importlib.util.spec_from_file_location(os.path.basename(m[1])[:-3], m[1])
            if where is None or not os.path.exists(m[1]):
                raise ImportError(f"no such file {m[1]}")
            mod = importlib.util.module_from_spec(where)
            where.loader.exec_module(mod)
        else:
            if os.getcwd() not in sys.path:
                sys.path.insert(0, os.getcwd())
            mod = importlib.import_module(m[1])
    except Exception as exc:  # noqa: BLE001 - user code: one line
        raise TinyDeployError(f"--builder '{spec}': cannot import {m[1]} ({type(exc).__name__}: "
                              f"{(str(exc).splitlines() or [''])[0][:200]})") from None
    fn = getattr(mod, m[2], None)
    if not callable(fn):
        raise TinyDeployError(f"--builder '{spec}': {m[1]} has no function {m[2]}")
    return fn


def family(name: str):
    """The Family from train/families.py (merged separately: import at use)."""
    try:
        from ..train import families
    except ImportError:
        raise TinyDeployError("--family needs tinydeploy.train.families, which this install "
                              "lacks; use --builder module:function") from None
    if name not in families.FAMILIES:
        raise TinyDeployError(f"unknown family '{name}'; known: {', '.join(families.FAMILIES)}")
    return families.FAMILIES[name]


def build(cfg, suggest):
    """(model, model knobs) for one trial: the family's or the builder's."""
    if cfg.family:
        from ..train import families
        fam = family(cfg.family)
        knobs = {k: suggest(k, list(v)) for k, v in fam.space.items()}
        return families.build(cfg.family, tuple(cfg.input_shape), cfg.classes, knobs), knobs
    bt = BuildTrial(cfg.input_shape, cfg.classes, suggest)
    model = load_builder(cfg.builder)(bt)
    if model is None or not hasattr(model, "fit"):
        raise TinyDeployError(f"--builder {cfg.builder} returned {type(model).__name__}, "
                              f"not a tf_keras model")
    return model, dict(bt.knobs)


def define(cfg, suggest) -> dict:
    """Every knob of one trial (model knobs first, then compression)."""
    if cfg.family:
        knobs = {k: suggest(k, list(v)) for k, v in family(cfg.family).space.items()}
    else:
        _, knobs = build(cfg, suggest)      # define-by-run: the builder asks its knobs
    return {**knobs, **compression(cfg, suggest)}


def compression_defaults() -> dict:
    """No compression (and, without a teacher, no distill knob at all)."""
    return {"prune": 0.0, "cluster": 0, "qat": False}


def compression(cfg, suggest) -> dict:
    """The compression knobs; `distill` (train from the teacher's logits) only with a
    teacher, and then also under --no-compress (it changes training, not the model)."""
    out = compression_defaults()
    if cfg.compress:
        out.update(prune=suggest("prune", PRUNE), cluster=suggest("cluster", CLUSTER),
                   qat=suggest("qat", QAT))
    if getattr(cfg, "teacher", None):
        out["distill"] = suggest("distill", DISTILL)
    return out
