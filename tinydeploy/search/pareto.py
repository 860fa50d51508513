"""The Pareto front over int8 accuracy (max) vs latency instructions (min) vs RAM (min)."""
from __future__ import annotations


def _key(r: dict) -> tuple:
    return (r["accuracy_int8"], -(r["instructions"] or 0.0), -r["ram"])


def dominates(a: dict, b: dict) -> bool:
    ka, kb = _key(a), _key(b)
    return all(x >= y for x, y in zip(ka, kb)) and ka != kb


def front(rows: list[dict]) -> list[dict]:
    """Completed rows no other completed row dominates, best accuracy first."""
    done = [r for r in rows if r.get("status") == "complete" and r.get("accuracy_int8") is not None]
    out = [r for r in done if not any(dominates(o, r) for o in done)]
    return sorted(out, key=lambda r: (-r["accuracy_int8"], r["instructions"] or 0.0, r["ram"]))


def best(rows: list[dict], objective: str) -> dict | None:
    """The best completed row: highest int8 accuracy (ties: fewer instructions, less RAM);
    for objective "pareto" the same pick, taken from the front."""
    pool = front(rows) if objective == "pareto" else [
        r for r in rows if r.get("status") == "complete" and r.get("accuracy_int8") is not None]
    if not pool:
        return None
    return min(pool, key=lambda r: (-r["accuracy_int8"], r["instructions"] or 0.0, r["ram"]))
