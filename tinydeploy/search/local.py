"""The default engine: Optuna TPE over a process pool (one process per core), with the study
in a journal file (OUTDIR/study.journal) so an interrupted search resumes where it stopped:
finished trials (complete, pruned, stopped, failed) are kept and not redone; a trial that was
running when the search died is marked failed and its knobs are queued again. The Ray
engine keeps its finished rows in the same journal (store), so either engine resumes the
other's search."""
from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import space
from .trial import SearchConfig, StopTrial, run_trial

STUDY = "tinydeploy-search"


def _storage(cfg: SearchConfig):
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    return JournalStorage(JournalFileBackend(str(Path(cfg.outdir) / "study.journal")))


def _study(cfg: SearchConfig, worker: int = 0):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    single = cfg.objective == "accuracy"
    return optuna.create_study(
        study_name=STUDY, storage=_storage(cfg), load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=cfg.seed + worker, n_startup_trials=4),
        # a trial below the median of earlier ones is stopped only after half its epochs:
        # distilled and plain trials learn at different speeds early on
        pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=max(1, cfg.epochs // 2))
        if single else None,
        directions=["maximize"] if single else ["maximize", "minimize", "minimize"])


def _say(on: bool):
    return (lambda msg: print(f"... {msg}", file=sys.stderr, flush=True)) if on else None


def _work(cfg: SearchConfig, n: int, worker: int, talk: bool) -> None:
    from ..train.tfenv import import_tf
    import_tf()           # quietly, before a user builder's own `import tf_keras`
    say = _say(talk)
    study = _study(cfg, worker)
    for _ in range(n):
        _one(cfg, study, study.ask(), say)


def _one(cfg: SearchConfig, study, t, say) -> None:
    single = cfg.objective == "accuracy"

    def report(epoch, acc, row):
        t.report(acc, epoch)
        if t.should_prune():
            raise StopTrial
    try:
        knobs = space.define(cfg, lambda name, choices: t.suggest_categorical(name, choices))
        row = run_trial(cfg, knobs, t.number, report if single else None, say)
    except Exception as exc:  # noqa: BLE001 - one failed trial does not end the search
        row = {"trial": t.number, **{f"knob_{k}": v for k, v in t.params.items()},
               "status": "failed", "reason": f"{type(exc).__name__}: "
               f"{(str(exc).splitlines() or [''])[0][:200]}"}
    t.set_user_attr("row", row)
    state, vals = _outcome(cfg, row)
    study.tell(t, vals, state=state)
    if say:
        say(f"trial {t.number}: {row['status']}"
            + (f", int8 accuracy {row['accuracy_int8']:.3f}" if row.get("accuracy_int8") is not None
               else f" ({row.get('reason')})" if row.get("reason") else ""))


def _outcome(cfg: SearchConfig, row: dict):
    """The Optuna state and objective values of a finished row."""
    from optuna.trial import TrialState
    if row["status"] in ("complete", "duplicate"):
        return TrialState.COMPLETE, [row["accuracy_int8"]] if cfg.objective == "accuracy" else [
            row["accuracy_int8"], row["instructions"] or 0.0, row["ram"]]
    return TrialState.FAIL if row["status"] == "failed" else TrialState.PRUNED, None


def store(cfg: SearchConfig, row: dict, params: dict, distributions: dict) -> dict:
    """Add a row finished by another engine (Ray) to the journal as a finished trial; its
    "trial" becomes the journal's next number. Returns the row."""
    import optuna
    study = _study(cfg)
    state, vals = _outcome(cfg, row)
    row = {**row, "trial": len(study.get_trials(deepcopy=False))}
    study.add_trial(optuna.trial.create_trial(state=state, values=vals, params=params,
                                              distributions=distributions, user_attrs={"row": row}))
    return row


def finished_rows(cfg: SearchConfig) -> list[dict]:
    study = _study(cfg)
    return [t.user_attrs["row"] for t in study.trials
            if "row" in t.user_attrs and not t.user_attrs.get("interrupted")]


def recover(cfg: SearchConfig) -> int:
    """Mark trials left running by an interrupted search; queue their knobs again. Returns
    the number of finished trials."""
    from optuna.trial import TrialState
    study = _study(cfg)
    for t in study.trials:
        if t.state == TrialState.RUNNING:
            study._storage.set_trial_user_attr(t._trial_id, "interrupted", True)
            study.tell(t.number, state=TrialState.FAIL)
            if t.params:
                study.enqueue_trial(t.params, skip_if_exists=False)
    return len(finished_rows(cfg))


def search(cfg: SearchConfig, progress=None) -> tuple[list[dict], Path]:
    done = recover(cfg)
    todo = max(0, cfg.trials - done)
    if progress and done:
        progress(f"resuming: {done} trial(s) already in {Path(cfg.outdir) / 'study.journal'}, {todo} to go")
    workers = max(1, min(cfg.workers, todo))
    if todo and workers == 1:
        _work(cfg, todo, 0, progress is not None)
    elif todo:
        shares = [todo // workers + (i < todo % workers) for i in range(workers)]
        ctx = multiprocessing.get_context("spawn")     # TensorFlow does not survive fork
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            for f in [pool.submit(_work, cfg, k, i, progress is not None) for i, k in enumerate(shares)]:
                f.result()
    rows = finished_rows(cfg)
    for r in rows:
        r.setdefault("resumed", False)
    return rows, Path(cfg.outdir) / "study.journal"
