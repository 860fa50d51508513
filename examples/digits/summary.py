"""Print the demo's closing summary from the JSON reports of search, convert, predict and run."""
import json
import sys
from pathlib import Path


def _stored(ins: dict) -> str:
    """What the weight encodings made of the pruned/clustered layers (inspect --json)."""
    enc = {}
    for layer in ins["layers"]:
        if layer["encoding"] != "dense":
            enc[layer["encoding"]] = enc.get(layer["encoding"], 0) + 1
    saved = ins["dense_const_bytes"] - ins["const_bytes"]
    if not enc:
        return f"{ins['const_bytes']:,} B, every layer dense"
    how = ", ".join(f"{n} layer(s) {e}" for e, n in sorted(enc.items()))
    return (f"{ins['const_bytes']:,} B instead of {ins['dense_const_bytes']:,} B dense: "
            f"{how}, {saved:,} B ({saved / ins['dense_const_bytes']:.0%}) saved by the pruning")


def main(out: Path) -> None:
    conv = json.loads((out / "convert.json").read_text())
    pred = json.loads((out / "predict.json").read_text())
    run = json.loads((out / "run.json").read_text())
    opt = json.loads((out / "optimize.json").read_text()) if (out / "optimize.json").exists() else None
    ins = json.loads((out / "inspect.json").read_text()) if (out / "inspect.json").exists() else None
    prof, size = run["profile"], run["build"]["size"]
    v, lat, e = prof["validation"], prof["latency"], prof["energy"]
    search = out / "search" / "search.json"
    search = json.loads(search.read_text()) if search.exists() else None
    rows = []
    if search:
        c, b, t = search["counts"], search["best"], search.get("teacher")
        rows.append(("search", f"{search['trials']} trials in {search['seconds']:.0f} s "
                               f"({c['complete']} trained, {c['pruned']} pruned before training, "
                               f"{c['stopped']} stopped early, {c.get('duplicate', 0)} repeated "
                               f"knobs); "
                               f"best: trial {b['trial']}, int8 {b['accuracy_int8'] * 100:.1f}%"
                               + (f" (teacher {t['accuracy'] * 100:.1f}% float)" if t else "")))
        ck = search.get("cost_model_check") or {}
        if ck.get("measured"):
            cal = ck.get("calibration") or {}
            rows.append(("cost model", (f"calibrated in QEMU on {cal['models']} models of the "
                                        f"space; " if cal.get("models") else "")
                         + f"{ck['mean_abs_error'] * 100:.1f}% off QEMU's count on "
                         f"{ck['measured']} trial(s)"
                         + ("" if "held_out" not in ck else
                            f" ({ck['held_out']} of them not a calibration model)")))
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
        *([("weights stored", _stored(ins))] if ins else []),
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
    if search:
        print("\npareto front of the search (int8 accuracy vs instructions vs RAM; "
              "* = the model taken on):")
        print(f"  {'trial':>5}  {'int8':>6}  {'instructions':>12}  {'RAM B':>7}  {'flash B':>7}  knobs")
        rows = search.get("rows") or search["pareto"]
        varied = {k for k in rows[0] if k.startswith("knob_")
                  and len({str(r.get(k)) for r in rows}) > 1}
        for p in search["pareto"]:
            knobs = " ".join(f"{k[5:]}={v}" for k, v in sorted(p.items()) if k in varied)
            mark = "*" if p["trial"] == search["best"]["trial"] else " "
            print(f"{mark} {p['trial']:>5}  {p['accuracy_int8'] * 100:5.1f}%  "
                  f"{p['instructions'] or 0:>12,.0f}  {p['ram']:>7,}  {p['flash']:>7,}  {knobs}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
