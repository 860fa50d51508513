"""Print the demo's closing summary from the JSON reports of convert, predict and run."""
import json
import sys
from pathlib import Path


def main(out: Path) -> None:
    conv = json.loads((out / "convert.json").read_text())
    pred = json.loads((out / "predict.json").read_text())
    run = json.loads((out / "run.json").read_text())
    opt = json.loads((out / "optimize.json").read_text()) if (out / "optimize.json").exists() else None
    prof, size = run["profile"], run["build"]["size"]
    v, lat, e = prof["validation"], prof["latency"], prof["energy"]
    rows = []
    if opt:
        rows.append(("optimize", opt.get("summary", "")))
    rows += [
        ("float accuracy", f"{conv['float_accuracy'] * 100:.1f}% (the optimized Keras model, "
                           f"{conv['eval_samples']} test digits)"),
        ("int8 accuracy, host", f"{pred['accuracy'] * 100:.1f}% (generated C on this machine)"),
        ("int8 accuracy, device", f"{v['accuracy'] * 100:.1f}% on {run['build']['board']} "
                                  f"({v['bit_exact']}/{v['count']} outputs bit-exact with the host)"),
        ("flash", f"{size['flash']['total']:,} B (code {size['flash']['code']:,}, weights "
                  f"{size['flash']['weights']:,})"),
        ("RAM", f"{size['ram']['total']:,} B (arena {size['ram']['arena']:,}, stack "
                f"{size['ram']['stack']:,})"),
        ("per inference", f"{lat['value']:,.0f} {lat['unit']}"
                          + (" (emulated: instructions, not time)" if lat["unit"] == "instructions" else "")),
        ("energy", "n/a" if e["value"] is None else f"{e['value']:.2f} uJ per inference ({e['kind']})"),
    ]
    width = max(len(k) for k, _ in rows)
    print("\n== summary")
    for k, val in rows:
        print(f"{k:<{width}}  {val}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
