"""Bit-exactness and accuracy of the generated C against TFLite Micro on real inputs.

Usage: python benchmarks/bench_bitexact.py MODEL.tflite [--inputs DIR] [--random N]

--inputs DIR: a directory of raw int8 .bin files (the model input, one file each) with an
MLPerf Tiny y_labels.csv (file, n_classes, true_class); --random N: N random int8 inputs.
Prints how many outputs are bit-exact with tflite_micro and, with labels, top-1 accuracy.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from tinydeploy.compiler.compiled import compile_model  # noqa: E402
from tinydeploy.compiler.hostrun import HostModel  # noqa: E402
from tinydeploy.measure.inputs import load_input_set  # noqa: E402

from oracle import run_tflm  # noqa: E402


def load_bins(d: Path, shape) -> tuple[np.ndarray, np.ndarray | None]:
    """Raw int8 .bin inputs (and y_labels.csv classes) as the profile command reads them."""
    samples = load_input_set(d, "int8", shape, 1.0, 0)
    labels = [s.label for s in samples]
    return (np.stack([s.int8 for s in samples]),
            None if None in labels else np.array(labels))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--inputs", type=Path)
    ap.add_argument("--random", type=int, default=0)
    a = ap.parse_args()
    path = Path(a.model)
    c = compile_model(path)
    g = c.graph
    shape = g.t(g.inputs[0]).shape
    hm = HostModel(c.program, c.plan, c.tflite_bytes)
    try:
        sets = []
        if a.inputs:
            sets.append(("inputs " + str(a.inputs), *load_bins(a.inputs, shape)))
        if a.random:
            x = np.random.default_rng(0).integers(-128, 128, (a.random,) + tuple(shape[1:]),
                                                  dtype=np.int8)
            sets.append((f"{a.random} random inputs", x, None))
        for name, x, labels in sets:
            ours = hm.run(x)
            ref = run_tflm(path, x).reshape(ours.shape)
            exact = int(np.sum(np.all((ours == ref).reshape(len(x), -1), axis=1)))
            line = f"{path.stem}: {name}: {exact}/{len(x)} outputs bit-exact with tflite_micro"
            if labels is not None:
                correct = int(np.sum(ours.reshape(len(x), -1).argmax(1) == labels))
                line += f"; top-1 {correct}/{len(x)} correct"
            print(line)
    finally:
        hm.close()


if __name__ == "__main__":
    main()
