"""The text table of a `distill` report (the JSON report is the dict itself)."""
from __future__ import annotations


def _pct(v):
    return "-" if v is None else f"{v * 100:.1f}%"


def _b(v):
    return "-" if v is None else f"{v:,} B"


def format_distill_report(r: dict) -> str:
    t, s, a, k, o = r["teacher"], r["student"], r["alone"], r["distilled"], r["options"]
    rows = [("model", "params", "float", "int8", ".tflite", "arena", "train s"),
            ("teacher", f"{t['params']:,}", _pct(t["float_accuracy"]), "-", "-", "-", "-")]
    for name, m in (("student alone", a), ("student distilled", k)):
        rows.append((name, f"{s['params']:,}", _pct(m["float_accuracy"]),
                     _pct(m["int8_accuracy"]), _b(m["tflite_bytes"]), _b(m["arena_bytes"]),
                     f"{m['seconds']:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [r["summary"], "",
             f"teacher  {t['model']} ({t['keras']}; logits: {t['logits']})",
             f"student  {s['source']} (logits: {s['logits']})",
             f"data     train {r['data']['train']}, scored on {r['data']['eval']}",
             f"loss     {r['method']}: T={o['temperature']:g}, alpha={o['alpha']:g}, "
             f"{o['epochs']} epoch(s), batch {o['batch_size']}, seed {o['seed']}"
             + (f", features {', '.join(o['features'])}" if o["features"] else ""), ""]
    for i, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                               for j, (c, w) in enumerate(zip(row, widths))))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += ["", f"int8 scored by {k['scored_by']}",
              f"wrote {r['output']} (optimize/convert take it), {r['tflite']}, {r['report']}"]
    return "\n".join(lines)
