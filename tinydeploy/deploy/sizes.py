"""Size report from an ELF (or relocatable objects): flash split into code, weights and
other; RAM split into arena, stack and other; against the board's capacity."""
from __future__ import annotations

from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from ..compiler.cnames import symbol_kind
from .boards import Board


def _scan(path: Path) -> dict:
    """Byte counts by category for one ELF file."""
    out = dict(text=0, rodata=0, data=0, bss=0, weights=0, arena=0, stack=0)
    with open(path, "rb") as f:
        elf = ELFFile(f)
        for sec in elf.iter_sections():
            flags = sec["sh_flags"]
            if not flags & SH_FLAGS.SHF_ALLOC:
                continue
            size = sec["sh_size"]
            if sec.name in (".td_stack", ".stack"):
                out["stack"] += size
            elif sec["sh_type"] == "SHT_NOBITS":
                out["bss"] += size
            elif flags & SH_FLAGS.SHF_EXECINSTR:
                out["text"] += size
            elif flags & SH_FLAGS.SHF_WRITE:
                out["data"] += size
            else:
                out["rodata"] += size
        for sec in elf.iter_sections():
            if not isinstance(sec, SymbolTableSection):
                continue
            for sym in sec.iter_symbols():
                if sym["st_info"]["type"] != "STT_OBJECT":
                    continue
                if symbol_kind(sym.name) == "const":  # weights, biases, tables
                    out["weights"] += sym["st_size"]
                elif sym.name == "td_arena":
                    out["arena"] += sym["st_size"]
    return out


def size_report(paths: list[Path], board: Board, complete: bool = True) -> dict:
    """Flash and RAM use of the linked image (or of the listed objects when complete=False:
    then the framework's own code, e.g. the Arduino core, is not included)."""
    t = dict(text=0, rodata=0, data=0, bss=0, weights=0, arena=0, stack=0)
    for p in paths:
        for k, v in _scan(p).items():
            t[k] += v
    stack = t["stack"] or board.stack_bytes   # objects have no stack section: the board's
    flash_total = t["text"] + t["rodata"] + t["data"]
    ram_total = t["data"] + t["bss"] + stack
    return dict(
        complete=complete,
        flash=dict(code=t["text"], weights=t["weights"],
                   other=flash_total - t["text"] - t["weights"], total=flash_total,
                   capacity=board.flash.size),
        ram=dict(arena=t["arena"], stack=stack,
                 other=ram_total - t["arena"] - stack, total=ram_total,
                 capacity=board.ram.size))


def format_size_report(r: dict, board: Board) -> str:
    f, m = r["flash"], r["ram"]

    def pct(a, b):
        return f"{100.0 * a / b:5.1f}%"
    lines = [f"flash {f['total']:>9,} B of {f['capacity']:,} ({pct(f['total'], f['capacity'])}): "
             f"code {f['code']:,}, weights {f['weights']:,}, other {f['other']:,}",
             f"RAM   {m['total']:>9,} B of {m['capacity']:,} ({pct(m['total'], m['capacity'])}): "
             f"arena {m['arena']:,}, stack {m['stack']:,}, other {m['other']:,}"]
    if board.flash.size < board.mcu_flash_bytes:
        lines.append(f"(flash usable by the application; the {board.mcu} has "
                     f"{board.mcu_flash_bytes:,} B in all, the rest holds the bootloader)")
    if not r["complete"]:
        lines.append("(model, kernels and harness only: the framework's own code and RAM "
                     "come on top)")
    return "\n".join(lines)
