"""`tinydeploy inspect`: per-layer shapes, MACs and weight bytes, and the planned arena.

`inspect_model(model, with_plan=True)` adds the memory plan: one row per arena buffer
(tensor, bytes, first and last layer it is live in, offset), checked for overlaps between
buffers that are live at the same time (planner.check: PlanError if any)."""
from __future__ import annotations

from pathlib import Path

from .boundary import describe, io_line
from .cnames import c_comment
from .compiled import Compiled, as_compiled
from .planner import check


def _layer_name(program, pos: int) -> str:
    """A plan position as a .tflite layer: -1 is the graph input, len(layers) the output."""
    if pos < 0:
        return "input"
    if pos >= len(program.layers):
        return "output"
    return str(program.layers[pos].index)


def buffer_name(program, tensor: int, first: int) -> str:
    """A tensor's name, or for a kernel's scratch buffer (negative key) what it serves."""
    if tensor < 0:
        layer = program.layers[first]
        return f"scratch of {layer.kernel} (layer {layer.index})"
    return program.graph.t(tensor).name


def plan_rows(c: Compiled) -> list[dict]:
    """The memory plan, one row per arena buffer, by offset; raises PlanError on overlap."""
    check(c.plan)
    return [dict(tensor=b.tensor, name=buffer_name(c.program, b.tensor, b.first), bytes=b.size,
                 first=_layer_name(c.program, b.first), last=_layer_name(c.program, b.last),
                 offset=b.offset)
            for b in sorted(c.plan.buffers, key=lambda b: (b.offset, b.first))]


def inspect_model(model: Compiled | str | Path, with_plan: bool = False) -> dict:
    """A JSON-able report: macs, weights_bytes, arena_bytes, const_bytes and layers (and
    the memory plan with `with_plan`)."""
    c = as_compiled(model)
    g, program, p = c.graph, c.program, c.plan
    path = c.path if c.path is not None else c.name
    layers = []
    for layer in program.layers:
        layers.append(dict(
            index=layer.index, op=layer.op,
            fused=layer.fused,
            inputs=[list(g.t(t).shape) for t in layer.inputs],
            output=list(g.t(layer.output).shape),
            macs=layer.macs, weights_bytes=layer.weight_bytes,
            kernel=layer.kernel or "alias (no copy)", encoding=layer.encoding,
            const_bytes=layer.const_bytes,
            dense_const_bytes=(layer.dense_const_bytes if layer.dense_const_bytes is not None
                               else layer.const_bytes)))
    io = describe(g)
    first = {k: {f: io[k + "s"][0][f] for f in ("shape", "dtype", "scale", "zero_point")}
             for k in ("input", "output")}
    return dict(model=str(path), name=g.name, macs=program.macs, weights=c.weights,
                weights_bytes=program.weight_bytes, const_bytes=program.const_bytes,
                dense_const_bytes=sum(l["dense_const_bytes"] for l in layers),
                arena_bytes=p.arena_bytes, input=first["input"], output=first["output"],
                inputs=io["inputs"], outputs=io["outputs"],
                layers=layers, **({"plan": plan_rows(c)} if with_plan else {}))


def format_inspect(r: dict) -> str:
    def shp(s):
        return "x".join(map(str, s)) or "scalar"
    encoded = any(l["encoding"] != "dense" for l in r["layers"])
    est = "core" in r
    rows = [("#", "op", "input", "output", "MACs", "weights B")
            + (("stored as", "stored B", "dense B") if encoded else ())
            + ((f"instr ({r.get('core')}, est.)", "vs dense") if est else ())]
    for l in r["layers"]:
        op = l["op"] + (f" (+{len(l['fused'])} folded)" if l["fused"] else "")
        rows.append((str(l["index"]), op, ", ".join(shp(s) for s in l["inputs"]),
                     shp(l["output"]), f"{l['macs']:,}", f"{l['weights_bytes']:,}")
                    + ((l["encoding"], f"{l['const_bytes']:,}", f"{l['dense_const_bytes']:,}")
                       if encoded else ())
                    + (_estimate_cells(l) if est else ()))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {0, 4, 5} | ({7, 8} if encoded else set()) | (
        {len(rows[0]) - 2, len(rows[0]) - 1} if est else set())
    lines = ["  ".join(c.rjust(w) if i in right else c.ljust(w)
                       for i, (c, w) in enumerate(zip(row, widths))).rstrip() for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines += ["", f"model    {r['name']}: {len(r['inputs'])} input(s), {len(r['outputs'])} "
              "output(s)"]
    lines += [f"input    {io_line(d)}" for d in r["inputs"]]
    lines += [f"output   {io_line(d)}" for d in r["outputs"]]
    lines += [f"MACs     {r['macs']:,}",
              f"weights  {r['weights_bytes']:,} B in the .tflite; "
              f"{r['const_bytes']:,} B of constants in the generated C"
              + (f" ({r['dense_const_bytes']:,} B stored dense; --weights {r['weights']})"
                 if r["const_bytes"] != r["dense_const_bytes"] else ""),
              f"arena    {r['arena_bytes']:,} B planned (static, all activations)"]
    if est:
        total = sum(l.get("instructions_est", 0) for l in r["layers"])
        dense = sum(l.get("dense_instructions_est", 0) for l in r["layers"])
        missing = [l["index"] for l in r["layers"]
                   if l["kernel"] != "alias (no copy)" and "instructions_est" not in l]
        lines += [f"instr    {total:,} estimated on {r['core']} (cost model)"
                  + (f", {dense:,} stored dense ({total / dense:.2f}x)" if dense != total else "")
                  + (f"; layers {', '.join(map(str, missing))} not estimated (no coefficients "
                     "for their kernel)" if missing else "")]
    if "plan" in r:
        lines += ["", format_plan(r["plan"])]
    return "\n".join(lines)


def _estimate_cells(layer: dict) -> tuple[str, str]:
    """Estimated instructions as stored, and their ratio to the layer stored dense."""
    if "instructions_est" not in layer:
        return ("", "")
    mine, dense = layer["instructions_est"], layer["dense_instructions_est"]
    return (f"{mine:,}", f"{mine / dense:.2f}x" if layer["encoding"] != "dense" and dense else "")


def format_plan(rows: list[dict]) -> str:
    """The memory plan as a table: offset, bytes, live range in layers, tensor."""
    table = [("offset", "bytes", "first", "last", "tensor")]
    for b in rows:
        table.append((f"{b['offset']:,}", f"{b['bytes']:,}", b["first"], b["last"],
                      f"{b['tensor']} {c_comment(b['name'], 60)}"))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = ["  ".join(c.rjust(w) if i < 4 else c for i, (c, w) in enumerate(zip(row, widths)))
             .rstrip() for row in table]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(["memory plan (no two buffers live at the same time overlap):"] + lines)
