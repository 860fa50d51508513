"""The report's computed sections (memory, timing, accuracy) as plain data; see collect.py."""
from __future__ import annotations


def _pos_label(program, pos: int) -> str:
    if pos < 0:
        return "input"
    if pos >= len(program.layers):
        return "output"
    layer = program.layers[pos]
    return f"{layer.index} {layer.op}"


def plan_data(compiled) -> dict:
    """Buffers with numeric live ranges (plan positions: -1 input .. L output), the live
    bytes and high-water offset at each position, and the peak."""
    from ..compiler.inspection import buffer_name
    program, plan = compiled.program, compiled.plan
    positions = list(range(-1, len(program.layers) + 1))
    buffers = [dict(tensor=b.tensor, name=buffer_name(program, b.tensor, b.first),
                    offset=b.offset, bytes=b.size, first=b.first, last=b.last,
                    first_label=_pos_label(program, b.first),
                    last_label=_pos_label(program, b.last))
               for b in sorted(plan.buffers, key=lambda b: (b.offset, b.first))]
    live, high = [], []
    for p in positions:
        now = [b for b in buffers if b["first"] <= p <= b["last"]]
        live.append(sum(b["bytes"] for b in now))
        high.append(max((b["offset"] + b["bytes"] for b in now), default=0))
    k = max(range(len(positions)), key=lambda i: (high[i], live[i]))
    return dict(arena_bytes=plan.arena_bytes, buffers=buffers, positions=positions,
                labels=[_pos_label(program, p) for p in positions], live_bytes=live,
                high_water=high, peak=dict(position=positions[k], label=_pos_label(program, positions[k]),
                                           live_bytes=live[k], high_water=high[k]))


def fit_data(compiled, board) -> dict:
    """The pre-build estimate against the board, and the refusal if it does not fit."""
    from ..deploy.fit import RUNTIME_FLASH, FitError, check_fit, estimate
    need = estimate(compiled, board, None)
    try:
        check_fit(compiled, board)
        ok, message = True, None
    except FitError as exc:
        ok, message = False, str(exc)
    other_ram = need["ram"] - need["arena"] - board.stack_bytes
    return dict(ok=ok, message=message, estimate=need,
                flash=dict(code=RUNTIME_FLASH, weights=need["weights"],
                           other=need["flash"] - RUNTIME_FLASH - need["weights"],
                           total=need["flash"], capacity=board.flash.size),
                ram=dict(arena=need["arena"], stack=board.stack_bytes, other=other_ram,
                         total=need["ram"], capacity=board.ram.size))


def memory_section(compiled, board, build, notes) -> dict | None:
    """Plan (with a model), fit (model + board), sizes (measured from a build, else the
    estimate, labelled in `size_source`)."""
    if compiled is None and build is None:
        return None
    out = dict(plan=plan_data(compiled) if compiled is not None else None, fit=None,
               size=None, size_source=None)
    if compiled is not None and board is not None:
        out["fit"] = fit_data(compiled, board)
    if build and build.get("size"):
        out["size"] = build["size"]
        out["size_source"] = ("measured from the linked ELF" if build["size"].get("complete", True)
                              else "model, kernels and harness objects (framework not included)")
    elif out["fit"]:
        f = out["fit"]
        out["size"] = dict(complete=False, flash=f["flash"], ram=f["ram"])
        out["size_source"] = "estimated before building (tinydeploy.deploy.fit)"
    return out


def timing_section(profile) -> dict | None:
    """Per-layer device cost with MACs, cost per MAC and the top layers."""
    if not profile or not profile.get("latency"):
        return None
    lat = profile["latency"]
    unit = lat["unit"]
    layers = []
    for layer in profile.get("per_layer") or []:
        macs = layer.get("macs") or 0
        layers.append(dict(index=layer["index"], tflite_index=layer.get("tflite_index"),
                           op=layer["op"], macs=macs, time=layer["time"], share=layer["share"],
                           per_mac=layer["time"] / macs if macs else None))
    top = sorted(layers, key=lambda r: -r["time"])[:3]
    total_macs = sum(r["macs"] for r in layers)
    return dict(unit=unit, unit_label=("instructions (emulated board: counted, not time)"
                                       if unit == "instructions" else "µs (measured on the board)"),
                latency=lat["value"], runs=lat["runs"], throughput=profile.get("throughput"),
                layers=layers, top=[r["index"] for r in top], macs=total_macs,
                per_mac=lat["value"] / total_macs if total_macs else None,
                complete=profile.get("complete", True), error=profile.get("error"))


def _per_class(m):
    if not m:
        return None
    return [dict(cls=k, support=sum(row), correct=row[k] if k < len(row) else 0,
                 accuracy=(row[k] / sum(row)) if sum(row) and k < len(row) else None)
            for k, row in enumerate(m)]


def accuracy_section(predict, profile, convert, optimize) -> dict | None:
    rows = []
    if convert and convert.get("float_accuracy") is not None:
        rows.append(dict(where="float (Keras)", accuracy=convert["float_accuracy"],
                         count=convert.get("eval_samples"), note="the Keras model before int8"))
    elif optimize:
        fl = next((s for s in optimize["stages"] if s["label"] == "float"), None)
        if fl and fl.get("accuracy") is not None:
            rows.append(dict(where="float (Keras)", accuracy=fl["accuracy"], count=None,
                             note="optimize's float stage"))
    if convert and convert.get("int8_accuracy") is not None:
        rows.append(dict(where="int8, TFLite", accuracy=convert["int8_accuracy"],
                         count=convert.get("eval_samples"),
                         note="TFLite's reference kernels (tinydeploy convert)"))
    host = dev = None
    if predict and predict.get("accuracy") is not None:
        host = predict.get("confusion")
        rows.append(dict(where="int8, host", accuracy=predict["accuracy"], count=predict["count"],
                         note="generated C compiled for this machine (tinydeploy predict)"))
    v = (profile or {}).get("validation")
    if v:
        dev = v.get("confusion")
        note = (f"{v['bit_exact']}/{v['count']} outputs bit-exact with the host build, "
                f"max |diff| {v['max_abs_diff']}" if v.get("bit_exact") is not None else "")
        rows.append(dict(where="int8, device", accuracy=v.get("accuracy"), count=v["count"],
                         note=note))
    if not rows:
        return None
    return dict(rows=rows, host_per_class=_per_class(host), device_per_class=_per_class(dev),
                host_confusion=host, device_confusion=dev,
                bit_exact=(v or {}).get("bit_exact"), checked=(v or {}).get("count"))


def search_section(r: dict | None) -> dict | None:
    """The search's table (one row per trial, knobs as text), its Pareto front, best trial,
    limits and the cost model's check against QEMU, from search.json."""
    if not r:
        return None
    cfg = r.get("config") or {}
    front = {p["trial"] for p in r.get("pareto", [])}
    best = (r.get("best") or {}).get("trial")
    rows = []
    trials = r.get("rows") or r.get("pareto", [])
    # knobs that take one value in every trial (e.g. compression under --no-compress) go
    # to `fixed`, so the table shows what the search varied
    values = {}
    for t in trials:
        for k, v in t.items():
            if k.startswith("knob_"):
                values.setdefault(k, set()).add(str(v))
    varied = {k for k, v in values.items() if len(v) > 1}
    fixed = {k[5:]: next(iter(v)) for k, v in sorted(values.items()) if k not in varied}
    for t in trials:
        knobs = " ".join(f"{k[5:]}={v}" for k, v in sorted(t.items()) if k in varied)
        rows.append(dict(trial=t["trial"], status=t["status"], knobs=knobs,
                         reason=t.get("reason") or "", epochs=t.get("trained_epochs"),
                         accuracy_float=t.get("accuracy_float"),
                         accuracy_int8=t.get("accuracy_int8"), ram=t.get("ram"),
                         flash=t.get("flash"), instructions=t.get("instructions"),
                         qemu_instructions=t.get("qemu_instructions"),
                         cost_model_error=t.get("cost_model_error"), seconds=t.get("seconds"),
                         pareto=t["trial"] in front, best=t["trial"] == best))
    return dict(engine=r["engine"], trials=r["trials"], seconds=r["seconds"], counts=r["counts"],
                objective=cfg.get("objective"), family=cfg.get("family"),
                builder=cfg.get("builder"), board=cfg.get("board"),
                limits=dict(ram=cfg.get("max_ram"), flash=cfg.get("max_flash"),
                            latency=cfg.get("max_latency")),
                teacher=r.get("teacher"), check=r.get("cost_model_check") or {}, best=best,
                pareto=sorted(front), rows=rows, fixed_knobs=fixed)
