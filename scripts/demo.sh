#!/usr/bin/env bash
# The main job on the bundled example: train a small Keras model on scikit-learn's digits,
# convert it to int8, plan it, generate C, compile and run it on the host, print a summary.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/bootstrap.sh"
VENV="${TD_VENV:-$here/.venv}"
out="${1:-$here/demo-out}"
td="$VENV/bin/tinydeploy"

echo "== 1/4 train the example model (Keras 3, digits 8x8)"
# TensorFlow's C++ start-up chatter (absl, CUDA probing) goes to stderr; keep real errors.
"$VENV/bin/python" "$here/examples/digits/train.py" "$out" \
    2> >(grep -v -E '^(WARNING: All log messages before absl|[IW][0-9]{4} |E[0-9]{4} .*(cuInit|cuda))' >&2)
echo "== 2/4 convert to a fully int8 .tflite"
"$td" convert "$out/digits.keras" --data "$out/digits.npz" -o "$out/digits.tflite"
echo "== 3/4 inspect: layers, MACs, planned arena"
"$td" inspect "$out/digits.tflite"
echo "== 4/4 predict: the generated C compiled for this host, on the held-out digits"
"$td" predict "$out/digits.tflite" --inputs "$out/x_test.npy" --labels "$out/y_test.npy" \
    -o "$out/digits_int8_outputs.npy"
echo "demo done: artefacts in $out"
