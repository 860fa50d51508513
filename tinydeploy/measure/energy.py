"""Energy per inference: an estimate from the board's power model, always labelled so.

The power model (board file) gives supply voltage, run current per MHz and a base current.
Time per inference comes from the device: microseconds on real boards; on emulated boards
the device counts instructions, and the estimate assumes one instruction per clock cycle
at the board's clock (stated in `basis`).
"""
from __future__ import annotations

from ..deploy.boards import Board


def estimate_energy(board: Board | None, latency: float | None, unit: str) -> dict:
    """{"value": uJ or None, "unit": "uJ", "kind": "estimate", "basis": why/how}."""
    out = {"value": None, "unit": "uJ", "kind": "estimate", "basis": ""}
    if board is None:
        out["basis"] = "no board given (--board), so no power model"
        return out
    p = board.power
    if not all(k in p for k in ("voltage", "run_ua_per_mhz", "base_ua")):
        out["basis"] = f"board {board.name} has no power model"
        return out
    if latency is None:
        out["basis"] = "no latency measured"
        return out
    mhz = board.clock_hz / 1e6
    current_ua = p["base_ua"] + p["run_ua_per_mhz"] * mhz
    if unit == "us":
        seconds = latency / 1e6
        how = f"{latency:,.1f} us measured"
    else:
        seconds = latency / board.clock_hz
        how = (f"{latency:,.0f} instructions at 1 instruction/cycle and {mhz:g} MHz "
               f"= {seconds * 1e6:,.1f} us (emulated: no real time)")
    out["value"] = p["voltage"] * current_ua * seconds          # V * uA * s = uJ
    out["basis"] = (f"{how} x {current_ua / 1000:.2f} mA ({p['base_ua']:g} uA + "
                    f"{p['run_ua_per_mhz']:g} uA/MHz from the board file) x {p['voltage']:g} V")
    return out
