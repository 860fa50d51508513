"""`--ray [ADDRESS]`: the same space and trials on Ray Tune: OptunaSearch (TPE, define-by-run
over space.define) picks the knobs, an ASHA scheduler stops trials early on the per-epoch
validation accuracy that run_trial reports, and the rows come back from Tune's results.
`ray.init(address)` joins a cluster; without an address a local instance with
cfg.workers CPUs is started (and shut down afterwards)."""
from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

from . import space
from .trial import SearchConfig, run_trial


def _trainable(cfg: SearchConfig):
    def trainable(config):
        from ray import tune

        from tinydeploy.train.tfenv import import_tf  # absolute: Ray pickles this by value
        import_tf()       # quietly, before a user builder's own `import tf_keras`
        tid = tune.get_context().get_trial_id()      # e.g. "5bda9b91": hex, unique in the run
        number = int(tid, 16) % 1_000_000 if all(c in "0123456789abcdef" for c in tid) else 0

        def report(epoch, acc, row):
            tune.report({"val_accuracy": acc, "final": False, "row": json.dumps(row, default=str)})
        try:
            row = run_trial(cfg, dict(config), number, report)
        except Exception as exc:  # noqa: BLE001 - one failed trial does not end the search
            row = {"trial": number, **{f"knob_{k}": v for k, v in config.items()}, "status": "failed",
                   "reason": f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"}
        tune.report({"val_accuracy": row.get("val_accuracy") or 0.0, "final": True,
                     "row": json.dumps(row, default=str)})
    return trainable


class _Define:
    """OptunaSearch's define-by-run space (picklable: Tune checkpoints the searcher)."""

    def __init__(self, cfg: SearchConfig):
        self.cfg = cfg

    def __call__(self, t):
        space.define(self.cfg, t.suggest_categorical)


def _progress_callback(progress):
    """A Tune callback that says when each trial ends (in the driver, as trials finish)."""
    from ray import tune

    class Said(tune.Callback):
        def on_trial_complete(self, iteration, trials, trial, **info):
            res = trial.last_result or {}
            row = json.loads(res["row"]) if "row" in res else {}
            status = row.get("status", "?")
            if not res.get("final", True) and status == "running":
                status = "stopped early by ASHA"
            acc = row.get("accuracy_int8")
            progress(f"ray trial {trial.trial_id}: {status}"
                     + (f", int8 accuracy {acc:.3f}" if acc is not None else "")
                     + (f" ({row['reason']})" if row.get("reason") and status != "complete" else ""))

        def on_trial_error(self, iteration, trials, trial, **info):
            progress(f"ray trial {trial.trial_id}: failed")
    return Said()


def search(cfg: SearchConfig, address=None, progress=None) -> tuple[list[dict], Path]:
    import ray
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.optuna import OptunaSearch
    started = not ray.is_initialized()
    if started:
        if address:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(num_cpus=max(1, cfg.workers), include_dashboard=False, log_to_driver=False)
    try:
        define = _Define(cfg)
        storage = Path(cfg.outdir).resolve() / "ray"
        tuner = tune.Tuner(
            tune.with_resources(_trainable(cfg), {"cpu": 1}),
            tune_config=tune.TuneConfig(
                search_alg=OptunaSearch(space=define, metric="val_accuracy", mode="max", seed=cfg.seed),
                # first rung after half the epochs, then halving (few trials: keep half)
                scheduler=ASHAScheduler(metric="val_accuracy", mode="max", time_attr="training_iteration",
                                        max_t=cfg.epochs + 1, grace_period=max(1, cfg.epochs // 2),
                                        reduction_factor=2),
                num_samples=cfg.trials),
            run_config=tune.RunConfig(storage_path=str(storage), name="search", verbose=0,
                                      callbacks=[_progress_callback(progress)] if progress else None))
        with contextlib.redirect_stdout(sys.stderr):   # Tune's tables: stdout is ours (--json)
            results = tuner.fit()
    finally:
        if started:
            ray.shutdown()
    rows = []
    for i, res in enumerate(results):
        m = res.metrics or {}
        row = json.loads(m["row"]) if "row" in m else {"trial": i, "status": "failed",
                                                         "reason": str(res.error)[:200]}
        if not m.get("final", True) and row.get("status") == "running":
            row.update(status="stopped", reason="stopped early by ASHA")
        row.update(ray_trial=row["trial"], trial=i)     # Tune's order; the id names trials/<id>
        if progress:
            progress(f"trial {i}: {row['status']}")
        rows.append(row)
    return rows, storage
