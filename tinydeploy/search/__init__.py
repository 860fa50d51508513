"""`tinydeploy search`: architecture + compression search under a board's limits.

Contract: space.py defines the engine-neutral search space (the model family's knobs, or a
user builder's, plus compression knobs) through one `suggest(name, choices)` callable;
trial.py runs one trial from fixed knobs (fit check on an untrained int8 conversion first,
then seeded training, conversion, int8 accuracy from the generated C, latency from the cost
model, energy estimate) and returns a results row; engines (local.py: Optuna TPE over a
process pool with a resumable journal study; ray_engine.py: Ray Tune with OptunaSearch and
ASHA, its rows kept in the same journal) are small adapters that ask the space, run trials
and hand rows to run.py, which writes results.csv, pareto.json, best.* and search.json.
"""
