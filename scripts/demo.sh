#!/usr/bin/env bash
# The main job on the bundled example: train a Keras 3 teacher on scikit-learn's digits,
# search a small model space under the board's limits (distillation from the teacher is a
# knob), prune the best model and train it quantization-aware (tfmot), convert it to int8,
# check the generated C on the host, build firmware for an emulated Cortex-M4 (mps2-an386),
# run and profile it in QEMU over its serial port, write the HTML report
# (demo-out/report.html), print a summary with the search's Pareto front and the report's path.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/bootstrap.sh"
VENV="${TD_VENV:-$here/.venv}"
out="${1:-$here/demo-out}"
td="$VENV/bin/tinydeploy"
mkdir -p "$out"

echo "== 1/10 train the teacher model (Keras 3, digits 8x8)"
# TensorFlow's C++ start-up chatter (absl, CUDA probing) goes to stderr; keep real errors.
"$VENV/bin/python" "$here/examples/digits/train.py" "$out" \
    2> >(grep -v -E '^(WARNING: All log messages before absl|[IW][0-9]{4} |E[0-9]{4} .*(cuInit|cuda))' >&2)
echo "== 2/10 search: 6 trials of a small digits space (distilled from the teacher or not);"
echo "   trials over 8,000 B of RAM are pruned before training; the best one is checked in QEMU"
"$td" search --builder "$here/examples/digits/search_space.py:build" \
    --data "$out/digits.npz" --teacher "$out/digits.keras" --board mps2-an386 --trials 6 \
    --epochs 5 --no-compress --max-ram 8000 --calibrate 2 --measure 1 --seed 0 -o "$out/search" \
    2> "$out/search.log"
echo "== 3/10 optimize the search's best model: prune to 50% + pruning-preserving QAT (tfmot)"
"$td" optimize "$out/search/best.h5" --data "$out/digits.npz" --prune 0.5 --qat \
    -o "$out/digits_opt.h5"
cp "$out/digits_opt.report.json" "$out/optimize.json"
echo "== 4/10 convert the optimized model to a fully int8 .tflite (QAT ranges, no calibration)"
"$td" convert "$out/digits_opt.h5" --data "$out/digits.npz" -o "$out/digits.tflite" --json \
    > "$out/convert.json"
"$VENV/bin/python" -c "import json,sys; from tinydeploy.train.convert import format_report; print(format_report(json.load(open(sys.argv[1]))))" "$out/convert.json"
echo "== 5/10 inspect: layers, MACs, planned arena and its memory plan (checked for overlaps)"
"$td" inspect --plan "$out/digits.tflite"
"$td" inspect "$out/digits.tflite" --json > "$out/inspect.json"
echo "== 6/10 predict: the generated C compiled for this host, on the held-out digits"
"$td" predict "$out/digits.tflite" --inputs "$out/x_test.npy" --labels "$out/y_test.npy" \
    -o "$out/digits_int8_outputs.npy" --json > "$out/predict.json"
"$VENV/bin/python" - "$out/predict.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{r['count']} held-out digits: top-1 accuracy {r['accuracy']:.1%} (int8, the generated C)")
m = r.get("confusion") or []
print("per class (correct/total): " + ", ".join(
    f"{c}: {row[c]}/{sum(row)}" for c, row in enumerate(m) if sum(row)))
print(f"(the JSON, with the confusion matrix: {sys.argv[1]})")
PY
echo "== 7/10 build firmware for mps2-an386 (Cortex-M4F), boot it in QEMU, profile it"
"$td" run "$out/digits.tflite" --board mps2-an386 -o "$out/firmware" \
    --inputs "$out/digits.npz" --runs 10 --json > "$out/run.json"
echo "== 8/10 report: one self-contained HTML page (plots inline) and its data as JSON"
"$td" report "$out/digits.tflite" "$out/optimize.json" "$out/convert.json" \
    "$out/predict.json" "$out/run.json" "$out/search/search.json" -o "$out/report.html"
echo "== 9/10 summary"
"$VENV/bin/python" "$here/examples/digits/summary.py" "$out"
echo "== 10/10 done"
echo "artefacts in $out"
echo "report: $out/report.html (open it in a browser; data: $out/report.json)"
