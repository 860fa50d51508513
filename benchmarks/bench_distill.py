"""Knowledge distillation on the digits example: teacher, student alone, distilled student.

Trains the example's teacher (examples/digits/train.py, Keras 3) once, then for each student
runs `distill_model` (the code behind `tinydeploy distill`) with the standardized loss (the
default) and with the classic one (--no-standardize); prints float and int8 (generated C)
accuracy on the 360 held-out digits. Same seed, epochs and split for alone and distilled.

    PYTHONPATH=$PWD python benchmarks/bench_distill.py [--out DIR] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples" / "digits"))

# (name, student, epochs): a family with knobs, or the digits search space's model at knobs
STUDENTS = [
    ("mlp 16x1", ("mlp", {"width": 16, "depth": 1}), 10),
    ("mlp 16x1", ("mlp", {"width": 16, "depth": 1}), 30),
    ("conv16+conv32+GAP", ({"width": 16, "separable": False, "second": 32, "head": 0}), 5),
    ("conv8+GAP", ({"width": 8, "separable": False, "second": 0, "head": 0}), 10),
]


class _Fixed:
    input_shape, classes = (8, 8, 1), 10

    def __init__(self, knobs):
        self.knobs = knobs

    def suggest(self, name, choices):
        return self.knobs[name]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="build/bench-distill")
    ap.add_argument("--json")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds (weights, shuffling, split)")
    ap.add_argument("--only", default=None, help="only students whose name contains this")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "digits.keras").exists():
        subprocess.run([sys.executable, str(ROOT / "examples/digits/train.py"), str(out)],
                       check=True)
    from tinydeploy.train.distill import distill_model
    from tinydeploy.train.tfenv import import_tf
    import_tf()
    import tf_keras as tfk
    from search_space import build
    rows = []
    for (name, student, epochs), seed in [(st, int(sd)) for st in STUDENTS
                                          for sd in a.seeds.split(",")]:
        if a.only and a.only not in name:
            continue
        kw = {}
        if isinstance(student, tuple):
            kw = dict(student_arch=student[0], knobs=student[1])
        else:
            tfk.utils.set_random_seed(seed)
            path = out / f"student-{name}.h5"
            build(_Fixed(student)).save(path)
            kw = dict(student=str(path))
        for std in (True, False):
            t0 = time.monotonic()
            r = distill_model(out / "digits.keras", out / "digits.npz", out / "kd.h5",
                              epochs=epochs, seed=seed, standardize=std, **kw)
            row = dict(student=name, epochs=epochs, seed=seed,
                       loss="standardized" if std else "classic",
                       params=r["student"]["params"], teacher=r["teacher"]["float_accuracy"],
                       teacher_params=r["teacher"]["params"],
                       alone=r["alone"]["float_accuracy"], alone_int8=r["alone"]["int8_accuracy"],
                       distilled=r["distilled"]["float_accuracy"],
                       distilled_int8=r["distilled"]["int8_accuracy"],
                       seconds=round(time.monotonic() - t0, 1))
            rows.append(row)
            print(f"{name:18s} {epochs:3d} ep seed {seed} {row['loss']:12s} teacher {row['teacher']:.1%} "
                  f"| alone {row['alone']:.1%} / {row['alone_int8']:.1%} int8 "
                  f"| distilled {row['distilled']:.1%} / {row['distilled_int8']:.1%} int8 "
                  f"| {100 * (row['distilled'] - row['alone']):+5.1f} points float", flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
