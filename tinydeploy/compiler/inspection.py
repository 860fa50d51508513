"""`tinydeploy inspect`: per-layer shapes, MACs and weight bytes, and the planned arena."""
from __future__ import annotations

from pathlib import Path

from .lower import lower
from .planner import plan
from .reader import load_model


def inspect_model(path: str | Path) -> dict:
    """A JSON-able report: macs, weights_bytes, arena_bytes, const_bytes and layers."""
    g = load_model(path)
    program = lower(g)
    p = plan(program)
    layers = []
    for layer in program.layers:
        layers.append(dict(
            index=layer.index, op=layer.op,
            fused=layer.fused,
            inputs=[list(g.t(t).shape) for t in layer.inputs],
            output=list(g.t(layer.output).shape),
            macs=layer.macs, weights_bytes=layer.weight_bytes,
            kernel=layer.kernel or "alias (no copy)"))
    return dict(model=str(path), name=g.name, macs=program.macs,
                weights_bytes=program.weight_bytes, const_bytes=program.const_bytes,
                arena_bytes=p.arena_bytes,
                input=dict(shape=list(g.t(g.inputs[0]).shape), scale=g.t(g.inputs[0]).scale,
                           zero_point=g.t(g.inputs[0]).zero_point),
                output=dict(shape=list(g.t(g.outputs[0]).shape), scale=g.t(g.outputs[0]).scale,
                            zero_point=g.t(g.outputs[0]).zero_point),
                layers=layers)


def format_inspect(r: dict) -> str:
    def shp(s):
        return "x".join(map(str, s)) or "scalar"
    rows = [("#", "op", "input", "output", "MACs", "weights B")]
    for l in r["layers"]:
        op = l["op"] + (" (+%d folded)" % len(l["fused"]) if l["fused"] else "")
        rows.append((str(l["index"]), op, ", ".join(shp(s) for s in l["inputs"]),
                     shp(l["output"]), f"{l['macs']:,}", f"{l['weights_bytes']:,}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) if i in (0, 4, 5) else c.ljust(w)
                       for i, (c, w) in enumerate(zip(row, widths))).rstrip() for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines += ["",
              f"model    {r['name']}: input {shp(r['input']['shape'])} int8, "
              f"output {shp(r['output']['shape'])} int8",
              f"MACs     {r['macs']:,}",
              f"weights  {r['weights_bytes']:,} B in the .tflite; "
              f"{r['const_bytes']:,} B of constants in the generated C",
              f"arena    {r['arena_bytes']:,} B planned (static, all activations)"]
    return "\n".join(lines)
