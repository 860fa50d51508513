"""Fuzz the model reader: N random mutations (bit flips, byte sets, truncations, word patches;
tests/corrupt_models.py mutate) of real flatbuffers, each read, verified, validated and (when
accepted) lowered and planned, as `compile_model` does. Prints the outcome counts, the most
common refusals and every escape (an exception that is not a one-line TinyDeployError).

    python benchmarks/fuzz_reader.py --count 1000000 --jobs 2

Exit status 1 if anything escaped. Accepted mutants' C under ASan/UBSan is
tests/host_c/test_fuzz_sanitized.py's job (it compiles; this loop only reads).
"""
from __future__ import annotations

import argparse
import collections
import re
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from tinydeploy.compiler.compiled import compile_model  # noqa: E402
from tinydeploy.errors import TinyDeployError  # noqa: E402

import corrupt_models as cm  # noqa: E402
from tflite_builder import fc_softmax_model  # noqa: E402

BASES = {"conv": lambda: cm.build_spec(cm.base_spec()), "fc": fc_softmax_model}


def _reason(msg: str) -> str:
    """A refusal's class: its text with numbers and names blanked."""
    core = msg.split(": ", 1)[-1]
    core = re.sub(r"'[^']*'", "'…'", core)
    return re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "N", core)[:90]


def _work(args) -> tuple[collections.Counter, collections.Counter, list]:
    base_name, seed, count = args
    base = BASES[base_name]()
    rng = np.random.default_rng(seed)
    outcomes, reasons, escapes = collections.Counter(), collections.Counter(), []
    for i in range(count):
        m = cm.mutate(base, rng)
        try:
            compile_model(m)
            outcomes["accepted"] += 1
        except TinyDeployError as e:
            outcomes["refused"] += 1
            reasons[_reason(str(e))] += 1
            if "\n" in str(e):
                escapes.append((seed, i, "multi-line message"))
        except Exception as e:     # noqa: BLE001 - what the fuzzer is looking for
            outcomes["escaped"] += 1
            escapes.append((seed, i, f"{type(e).__name__}: {e}"[:200]))
    return outcomes, reasons, escapes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=100_000, help="mutants in all")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    chunk = 5000
    tasks = [(name, a.seed * 1_000_003 + k, min(chunk, a.count - k * chunk))
             for k in range((a.count + chunk - 1) // chunk) for name in [list(BASES)[k % 2]]]
    outcomes, reasons, escapes = collections.Counter(), collections.Counter(), []
    t0 = time.time()
    with Pool(a.jobs) as pool:
        for n, (o, r, e) in enumerate(pool.imap_unordered(_work, tasks), 1):
            outcomes.update(o)
            reasons.update(r)
            escapes += e
            for seed, i, what in e:            # at once: a stopped run still tells
                print(f"ESCAPE seed {seed} mutant {i}: {what}", file=sys.stderr)
            if n % 20 == 0 or n == len(tasks):
                print(f"... {sum(outcomes.values()):,} mutants, {outcomes['escaped']:,} "
                      f"escaped, {time.time() - t0:,.0f} s", file=sys.stderr)
    total = sum(outcomes.values())
    print(f"reader fuzz: {total:,} mutants of {', '.join(BASES)} models in "
          f"{time.time() - t0:,.0f} s: accepted {outcomes['accepted']:,}, refused "
          f"{outcomes['refused']:,}, escaped {outcomes['escaped']:,}")
    print("most common refusals:")
    for text, n in reasons.most_common(12):
        print(f"  {n:>9,}  {text}")
    for seed, i, what in escapes[:20]:
        print(f"ESCAPE seed {seed} mutant {i}: {what}")
    return 1 if escapes else 0


if __name__ == "__main__":
    sys.exit(main())
