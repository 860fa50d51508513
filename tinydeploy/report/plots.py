"""The report's pictures: matplotlib figures rendered to inline SVG strings.

Each function takes plain data from collect.py and returns one `<svg>` element (no XML
prolog, no DOCTYPE, no metadata, no namespace URLs, ids prefixed so several SVGs share one
page) or None when there is nothing to draw. Text is drawn as paths (svg.fonttype "path"),
so the page needs no fonts; ids are salted with a constant, so the same data gives the same
bytes. No pyplot: figures are created and dropped here, nothing global is touched.
"""
from __future__ import annotations

import io
import itertools
import re

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Patch

_COLORS = ["#4878d0", "#ee854a", "#6acc64", "#d65f5f", "#956cb4", "#8c613c", "#dc7ec0",
           "#797979", "#d5bb67", "#82c6e2"]
_TOP = "#d65f5f"
_BASE = "#4878d0"
_counter = itertools.count(1)


def _svg(fig: Figure, name: str) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "tinydeploy",
                                "font.size": 9}):
        fig.savefig(buf, format="svg", bbox_inches="tight",
                    metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    prefix = f"{name}{next(_counter)}-"
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r'(xlink:href|href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{prefix}{m.group(2)}"',
                  text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", text)
    return text.replace("<svg", f'<svg class="plot" data-plot="{name}" role="img"', 1)


def memory_plan(plan: dict) -> str | None:
    """Arena offset vs layer: one bar per buffer over its live range, the peak marked."""
    if not plan or not plan["buffers"]:
        return None
    pos, labels = plan["positions"], plan["labels"]
    fig = Figure(figsize=(8.0, 3.6 + 0.04 * len(pos)))
    ax = fig.add_subplot()
    for k, b in enumerate(plan["buffers"]):
        x0, x1 = b["first"] - 0.4, b["last"] + 0.4
        ax.bar(x0, b["bytes"], width=x1 - x0, bottom=b["offset"], align="edge",
               color=_COLORS[k % len(_COLORS)], edgecolor="white", linewidth=0.6, alpha=0.9)
    ax.step(pos, plan["high_water"], where="mid", color="black", linewidth=1.0,
            label="arena in use (highest live byte)")
    arena, peak = plan["arena_bytes"], plan["peak"]
    ax.axhline(arena, color=_TOP, linestyle="--", linewidth=1.0,
               label=f"arena {arena:,} B")
    ax.axvline(peak["position"], color=_TOP, linestyle=":", linewidth=1.0)
    ax.annotate(f"peak at {peak['label']}: {peak['high_water']:,} B",
                (peak["position"], peak["high_water"]), textcoords="offset points",
                xytext=(6, 6), color=_TOP)
    ax.set_xticks(pos, labels, rotation=60, ha="right", fontsize=7)
    ax.set_xlim(pos[0] - 0.6, pos[-1] + 0.6)
    ax.set_ylim(0, max(arena, 1) * 1.15)
    ax.set_ylabel("arena offset (bytes)")
    ax.set_xlabel("layer (live range of each buffer)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 1.12), ncol=2, fontsize=7, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return _svg(fig, "memory-plan")


def memory_split(size: dict) -> str | None:
    """RAM (arena, stack, harness/other) and flash (code, weights, other) in bytes against
    the board's capacity; a capacity far beyond the use is written, not drawn to scale."""
    if not size:
        return None
    fig = Figure(figsize=(8.0, 2.8))
    axes = fig.subplots(2, 1)
    rows = [("RAM", size["ram"], ("arena", "stack", "other"), ("arena", "stack", "harness + other")),
            ("flash", size["flash"], ("code", "weights", "other"), ("code", "weights", "other"))]
    for y, (ax, (name, part, keys, names)) in enumerate(zip(axes, rows)):
        total, cap = part["total"], part["capacity"]
        left = 0
        for k, (key, label) in enumerate(zip(keys, names)):
            color = _COLORS[k + 3 * y]
            ax.barh(0, part[key], left=left, color=color, height=0.6,
                    label=f"{label}: {part[key]:,} B")
            left += part[key]
        over = total > cap
        to_scale = cap <= 5 * total
        end = max(total, cap) if to_scale else total
        if to_scale:
            ax.axvline(cap, color="black", linewidth=1.4)
            ax.text(cap, 0.42, f" capacity {cap:,} B", fontsize=7, va="bottom")
        what = (f"{total:,} of {cap:,} B - DOES NOT FIT" if over else
                f"{total:,} of {cap:,} B ({total / cap * 100:.1f}%)"
                + ("" if to_scale else "; capacity off the scale"))
        ax.set_title(f"{name}: {what}", fontsize=8, loc="left",
                     color=_TOP if over else "black")
        ax.set_xlim(0, end * 1.04)
        ax.set_ylim(-0.5, 0.9)
        ax.set_yticks([])
        ax.legend(fontsize=7, ncol=3, loc="upper right", frameon=False,
                  bbox_to_anchor=(1.0, 1.02))
        ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")
    axes[-1].set_xlabel("bytes")
    fig.subplots_adjust(hspace=0.9)
    return _svg(fig, "memory-split")


def layer_time(timing: dict) -> str | None:
    """Per-layer device cost as horizontal bars, the top layers in red."""
    if not timing or not timing["layers"]:
        return None
    layers = timing["layers"]
    fig = Figure(figsize=(8.0, 1.2 + 0.28 * len(layers)))
    ax = fig.add_subplot()
    y = list(range(len(layers)))
    colors = [_TOP if r["index"] in timing["top"] else _BASE for r in layers]
    ax.barh(y, [r["time"] for r in layers], color=colors)
    for k, r in enumerate(layers):
        ax.text(r["time"], k, f"  {r['share'] * 100:.1f}%", va="center", fontsize=7)
    ax.set_yticks(y, [f"{r['index']} {r['op']}" for r in layers], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(timing["unit_label"] + " per inference")
    ax.set_xlim(0, max(r["time"] for r in layers) * 1.18 or 1)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(handles=[Patch(color=_TOP, label="top layers"), Patch(color=_BASE, label="other")],
              fontsize=7, loc="lower right")
    return _svg(fig, "layer-time")


def confusion(matrix: list[list[int]] | None, title: str) -> str | None:
    """The confusion matrix as a heat map with the counts written in."""
    if not matrix:
        return None
    n = len(matrix)
    fig = Figure(figsize=(1.2 + 0.42 * n, 1.0 + 0.42 * n))
    ax = fig.add_subplot()
    # pcolormesh, not imshow: vector cells (imshow would embed a PNG in the SVG)
    ax.pcolormesh(range(n + 1), range(n + 1), matrix, cmap="Blues", edgecolors="white",
                  linewidth=0.5)
    ax.set_aspect("equal")
    ax.invert_yaxis()
    hi = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            if v:
                ax.text(j + 0.5, i + 0.5, str(v), ha="center", va="center", fontsize=7,
                        color="white" if v > hi / 2 else "black")
    ax.set_xticks([k + 0.5 for k in range(n)], range(n))
    ax.set_yticks([k + 0.5 for k in range(n)], range(n))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title, fontsize=9)
    return _svg(fig, "confusion")


def optimize_stages(opt: dict) -> str | None:
    """Accuracy and sparsity per stage, and .tflite / gzip sizes of the int8 stages."""
    if not opt or not opt["stages"]:
        return None
    st = opt["stages"]
    labels = [s["label"].split(" (")[0] for s in st]
    fig = Figure(figsize=(8.0, 3.0))
    a1, a2 = fig.subplots(1, 2)
    x = list(range(len(st)))
    acc = [s["accuracy"] if s["accuracy"] is not None else 0 for s in st]
    spa = [s["sparsity"] if s["sparsity"] is not None else 0 for s in st]
    a1.bar([i - 0.2 for i in x], [v * 100 for v in acc], width=0.4, color=_BASE, label="top-1 %")
    a1.bar([i + 0.2 for i in x], [v * 100 for v in spa], width=0.4, color=_COLORS[1],
           label="zero weights %")
    a1.set_xticks(x, labels, rotation=30, ha="right", fontsize=7)
    a1.set_ylim(0, 110)
    a1.set_title("accuracy and sparsity", fontsize=9)
    a1.legend(fontsize=7, loc="lower left")
    sized = [(lab, s) for lab, s in zip(labels, st) if s.get("size_bytes")]
    xs = list(range(len(sized)))
    a2.bar([i - 0.2 for i in xs], [s["size_bytes"] for _, s in sized], width=0.4, color=_BASE,
           label=".tflite B")
    a2.bar([i + 0.2 for i in xs], [s["gzip_bytes"] or 0 for _, s in sized], width=0.4,
           color=_COLORS[2], label="gzip B")
    a2.set_xticks(xs, [lab for lab, _ in sized], rotation=30, ha="right", fontsize=7)
    a2.set_title("int8 model size", fontsize=9)
    a2.legend(fontsize=7)
    return _svg(fig, "optimize")


def search_front(search: dict | None) -> str | None:
    """int8 accuracy vs instructions per inference of the trained trials (marker area by
    RAM), the Pareto front joined and the best trial marked."""
    rows = [r for r in (search or {}).get("rows", [])
            if r["accuracy_int8"] is not None and r["instructions"]]
    if not rows:
        return None
    fig = Figure(figsize=(7.0, 3.6))
    ax = fig.add_subplot()
    top = max(r["ram"] or 1 for r in rows)
    for on, color, label in ((False, _BASE, "trial"), (True, _TOP, "Pareto front")):
        pts = [r for r in rows if r["pareto"] == on]
        if pts:
            ax.scatter([r["instructions"] for r in pts], [100 * r["accuracy_int8"] for r in pts],
                       s=[20 + 180 * (r["ram"] or 0) / top for r in pts], color=color,
                       alpha=0.75, edgecolor="white", label=label, zorder=3)
    front = sorted((r for r in rows if r["pareto"]), key=lambda r: r["instructions"])
    ax.plot([r["instructions"] for r in front], [100 * r["accuracy_int8"] for r in front],
            color=_TOP, linewidth=0.8, zorder=2)
    for r in rows:
        ax.annotate(("* " if r["best"] else "") + str(r["trial"]),
                    (r["instructions"], 100 * r["accuracy_int8"]), fontsize=7,
                    xytext=(4, 3), textcoords="offset points")
    ax.set_xlabel("instructions per inference (cost model)")
    ax.set_ylabel("int8 top-1 %")
    ax.set_title("search: accuracy vs latency (marker area: RAM; * best)", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    return _svg(fig, "search")
