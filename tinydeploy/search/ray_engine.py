"""`--ray [ADDRESS]`: the same space and trials on Ray Tune: OptunaSearch (TPE, define-by-run
over space.define) picks the knobs, an ASHA scheduler stops trials early on the per-epoch
validation accuracy that run_trial reports. `ray.init(address)` joins a cluster; without an
address a local instance with cfg.workers CPUs is started (and shut down afterwards).

Losing a node: a trial whose actor dies with its node is run again by Tune's own fault
tolerance (FailureConfig, at most MAX_RETRIES times, from scratch: trials are short and keep
no checkpoint); if it still fails, its row keeps its knobs and the error's full type.

Resume: the driver stores each finished trial's row, as Tune reports it, in the local
engine's journal (OUTDIR/study.journal, local.store); the rows of the search are the
journal's. A re-run keeps the stored trials, runs only the missing number of trials and
seeds the searcher's study with the stored knobs and rewards, so TPE goes on from them
instead of drawing the first run's knobs again. Tune's own experiment restore
(Tuner.restore) is not used: the journal holds exactly the finished rows, in the form both
engines read, so either engine resumes the other's search.
"""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

from . import local, space
from .trial import SearchConfig, run_trial

MAX_RETRIES = 2          # a trial lost with its node runs again at most this often
STUDY = "tinydeploy-ray"


def _number(tid: str) -> int:
    """run_trial's number for Tune trial id `tid` (e.g. "5bda9b91": hex, unique in the run);
    it names the trial's folder trials/NNNN."""
    return int(tid, 16) % 1_000_000 if all(c in "0123456789abcdef" for c in tid) else 0


def _trainable(cfg: SearchConfig):
    def trainable(config):
        import ray
        from ray import tune

        from tinydeploy.train.tfenv import import_tf  # absolute: Ray pickles this by value
        import_tf()       # quietly, before a user builder's own `import tf_keras`
        number = _number(tune.get_context().get_trial_id())
        node = ray.get_runtime_context().get_node_id()

        def send(acc, row, final):
            tune.report({"val_accuracy": acc, "final": final,
                         "row": json.dumps({**row, "ray_node": node}, default=str)})
        try:
            row = run_trial(cfg, dict(config), number, lambda epoch, acc, row: send(acc, row, False))
        except Exception as exc:  # noqa: BLE001 - one failed trial does not end the search
            row = _failed(number, config, _reason(exc))
        send(row.get("val_accuracy") or 0.0, row, True)
    return trainable


def _failed(number: int, config: dict, reason: str) -> dict:
    knobs = {**space.compression_defaults(), **config}
    return {"trial": number, **{f"knob_{k}": v for k, v in knobs.items()}, "status": "failed",
            "reason": reason}


def _reason(err) -> str:
    """"Type: first line of the message", the type whole, the message cut at 200 characters;
    a RayTaskError names the trial's own exception."""
    cause = getattr(err, "cause", None)
    err = cause if isinstance(cause, BaseException) else err
    if not isinstance(err, BaseException):       # Tune's text trace, when it could not pickle
        return (str(err or "unknown error").strip().splitlines() or ["unknown error"])[-1][:200]
    return f"{type(err).__name__}: {(str(err).splitlines() or [''])[0][:200]}"


class _Define:
    """OptunaSearch's define-by-run space (picklable: Tune checkpoints the searcher)."""

    def __init__(self, cfg: SearchConfig):
        self.cfg = cfg

    def __call__(self, t):
        space.define(self.cfg, t.suggest_categorical)


def _asked(cfg: SearchConfig, row: dict) -> tuple[dict, dict] | None:
    """The knobs the space asks, replayed from a row, and their Optuna distributions; None
    when the row's knobs no longer fit the space."""
    from optuna.distributions import CategoricalDistribution
    params, dists = {}, {}

    def suggest(name, choices):
        value = row.get(f"knob_{name}")
        if value not in choices:
            raise LookupError(name)
        params[name], dists[name] = value, CategoricalDistribution(choices)
        return value
    try:
        space.define(cfg, suggest)
    except LookupError:
        return None
    return params, dists


def _searcher(cfg: SearchConfig, rows: list[dict]):
    """OptunaSearch whose study already holds the stored trials (knobs and final rewards)."""
    import optuna
    from ray.tune.search.optuna import OptunaSearch
    storage = optuna.storages.InMemoryStorage()
    study = optuna.create_study(storage=storage, study_name=STUDY, direction="maximize")
    for row in rows:
        asked = _asked(cfg, row)
        if asked is not None and row["status"] != "failed":
            study.add_trial(optuna.trial.create_trial(params=asked[0], distributions=asked[1],
                                                      value=row.get("val_accuracy") or 0.0))
    # a fresh seed per resume: the same seed would draw the first run's startup knobs again
    return OptunaSearch(space=_Define(cfg), metric="val_accuracy", mode="max", storage=storage,
                        study_name=STUDY, seed=cfg.seed + len(rows))


def _row(trial, error: bool) -> dict:
    """The results row of a finished Tune trial; a failed one keeps its knobs."""
    res = trial.last_result or {}
    if error or "row" not in res:
        err = (trial.get_pickled_error() or trial.get_error()) if error else "no result reported"
        row = _failed(_number(trial.trial_id), trial.config, _reason(err))
    else:
        row = json.loads(res["row"])
        if not res.get("final", True) and row.get("status") == "running":
            row.update(status="stopped", reason="stopped early by ASHA")
    return {**row, "ray_trial": row["trial"], "ray_retries": trial.num_failures}


def _journal(cfg: SearchConfig, progress):
    """A Tune callback (it runs in the driver) that stores each finished trial's row in the
    journal as soon as Tune reports it, and says so."""
    from ray import tune

    class Journal(tune.Callback):
        def on_trial_complete(self, iteration, trials, trial, **info):
            self._store(trial, False)

        def on_trial_error(self, iteration, trials, trial, **info):
            self._store(trial, True)

        def on_trial_recover(self, iteration, trials, trial, **info):
            if progress:
                progress(f"ray trial {trial.trial_id}: lost ({_reason(trial.get_pickled_error())}), "
                         f"running it again ({trial.num_failures}/{MAX_RETRIES})")

        def _store(self, trial, error):
            row = _row(trial, error)
            asked = _asked(cfg, row) or ({}, {})
            row = local.store(cfg, row, *asked)
            if progress:
                acc = row.get("accuracy_int8")
                progress(f"trial {row['trial']} (ray trial {trial.trial_id}): {row['status']}"
                         + (f", int8 accuracy {acc:.3f}" if acc is not None else "")
                         + (f" ({row['reason']})" if row.get("reason") and row["status"] != "complete"
                            else ""))
    return Journal()


def search(cfg: SearchConfig, address=None, progress=None) -> tuple[list[dict], Path]:
    storage = Path(cfg.outdir).resolve() / "ray"
    done = local.recover(cfg)
    todo = max(0, cfg.trials - done)
    if progress and done:
        progress(f"resuming: {done} trial(s) already in {Path(cfg.outdir) / 'study.journal'}, "
                 f"{todo} to go")
    if todo:
        _fit(cfg, address, progress, todo, storage)
    return local.finished_rows(cfg), storage


def _fit(cfg: SearchConfig, address, progress, todo: int, storage: Path) -> None:
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    # Tune's tables and Ray's messages (a lost node...) go to stdout: ours (--json)
    with contextlib.redirect_stdout(sys.stderr):
        started = not ray.is_initialized()
        if started:
            if address:
                ray.init(address=address, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(num_cpus=max(1, cfg.workers), include_dashboard=False, log_to_driver=False)
        try:
            tune.Tuner(
                tune.with_resources(_trainable(cfg), {"cpu": 1}),
                tune_config=tune.TuneConfig(
                    search_alg=_searcher(cfg, local.finished_rows(cfg)),
                    # first rung after half the epochs, then halving (few trials: keep half)
                    scheduler=ASHAScheduler(metric="val_accuracy", mode="max",
                                            time_attr="training_iteration", max_t=cfg.epochs + 1,
                                            grace_period=max(1, cfg.epochs // 2), reduction_factor=2),
                    num_samples=todo),
                run_config=tune.RunConfig(storage_path=str(storage), name="search", verbose=0,
                                          failure_config=tune.FailureConfig(max_failures=MAX_RETRIES),
                                          callbacks=[_journal(cfg, progress)])).fit()
        finally:
            if started:
                ray.shutdown()
