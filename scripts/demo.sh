#!/usr/bin/env bash
# The main job on the bundled example: train a small Keras model on scikit-learn's digits,
# prune it and train it quantization-aware (tfmot), convert it to int8, check the generated C on the host, build firmware for an emulated
# Cortex-M4 (mps2-an386), run and profile it in QEMU over its serial port, write the HTML
# report (demo-out/report.html), print a summary and the report's path.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/bootstrap.sh"
VENV="${TD_VENV:-$here/.venv}"
out="${1:-$here/demo-out}"
td="$VENV/bin/tinydeploy"
mkdir -p "$out"

echo "== 1/9 train the example model (Keras 3, digits 8x8)"
# TensorFlow's C++ start-up chatter (absl, CUDA probing) goes to stderr; keep real errors.
"$VENV/bin/python" "$here/examples/digits/train.py" "$out" \
    2> >(grep -v -E '^(WARNING: All log messages before absl|[IW][0-9]{4} |E[0-9]{4} .*(cuInit|cuda))' >&2)
echo "== 2/9 optimize: prune to 50% + pruning-preserving QAT (tfmot), figures per stage"
"$td" optimize "$out/digits.keras" --data "$out/digits.npz" --prune 0.5 --qat \
    -o "$out/digits_opt.h5"
cp "$out/digits_opt.report.json" "$out/optimize.json"
echo "== 3/9 convert the optimized model to a fully int8 .tflite (QAT ranges, no calibration)"
"$td" convert "$out/digits_opt.h5" --data "$out/digits.npz" -o "$out/digits.tflite" --json \
    > "$out/convert.json"
"$VENV/bin/python" -c "import json,sys; from tinydeploy.train.convert import format_report; print(format_report(json.load(open(sys.argv[1]))))" "$out/convert.json"
echo "== 4/9 inspect: layers, MACs, planned arena and its memory plan (checked for overlaps)"
"$td" inspect --plan "$out/digits.tflite"
echo "== 5/9 predict: the generated C compiled for this host, on the held-out digits"
"$td" predict "$out/digits.tflite" --inputs "$out/x_test.npy" --labels "$out/y_test.npy" \
    -o "$out/digits_int8_outputs.npy" --json > "$out/predict.json"
cat "$out/predict.json"
echo "== 6/9 build firmware for mps2-an386 (Cortex-M4F), boot it in QEMU, profile it"
"$td" run "$out/digits.tflite" --board mps2-an386 -o "$out/firmware" \
    --inputs "$out/digits.npz" --runs 10 --json > "$out/run.json"
echo "== 7/9 report: one self-contained HTML page (plots inline) and its data as JSON"
"$td" report "$out/digits.tflite" "$out/optimize.json" "$out/convert.json" \
    "$out/predict.json" "$out/run.json" -o "$out/report.html"
echo "== 8/9 search: 4 trials of a small digits space, pruned before training if over 9 kB RAM"
"$td" search --builder "$here/examples/digits/search_space.py:build" \
    --data "$here/examples/digits/search_space.py:digits" --board mps2-an386 --trials 4 \
    --epochs 2 --no-compress --max-ram 9000 --seed 0 -o "$out/search" 2> "$out/search.log"
echo "== 9/9 done"
"$VENV/bin/python" "$here/examples/digits/summary.py" "$out"
echo "artefacts in $out"
echo "report: $out/report.html (open it in a browser; data: $out/report.json)"
