"""Worst-case stack depth of a bare-metal image, from its call graph, before it runs.

Contract: `analyse(elf, build_dir, fpu)` returns a StackUsage whose `bytes` bounds the
stack the image can ever use, or raises StackUnbounded naming what cannot be bounded
(recursion, a frame sized at run time, a call whose target is unknown).

- Frames: GCC's -fstack-usage (`*.su` beside the objects in build_dir) for the code built
  here; for library code (newlib, libgcc) the sum of every stack decrement in its
  disassembly (push, stmdb sp!, vpush, sub sp #imm), an upper bound.
- Calls: BL/BLX to a symbol, B to another function (a tail call, counted as a call: an
  upper bound), and BLX/BX to a register: any function whose Thumb address is stored in the
  image (vector table, literal pools, data) may be its target.
- Roots: Reset_Handler, and every handler of the vector table, each taken as interrupting
  the deepest point of everything else, nested, each with its exception frame: 8 words, 26
  with the FP context (lazy stacking reserves it), and 4 bytes of alignment (ARMv7-M ARM
  B1.5.6-7).
"""
from __future__ import annotations

import bisect
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from ..errors import TinyDeployError
from .toolchain import require

VECTOR_TABLE = "td_vector_table"
RESET = "Reset_Handler"
FRAME_BASIC, FRAME_FP, FRAME_ALIGN = 32, 104, 4

_HEAD = re.compile(r"^([0-9a-f]+) <(.+)>:$")
_INSN = re.compile(r"^\s*[0-9a-f]+:\t(\S+)(?:\t(.*))?$")
_TARGET = re.compile(r"^([0-9a-f]+) <")
_CLONE = re.compile(r"(\.\d+)+$")        # the ELF's constprop.0 is the .su's constprop
_COND = "(?:eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)?"
_BRANCH = re.compile(f"b{_COND}")
_CALL = re.compile(f"blx?{_COND}")
_INDIRECT = re.compile(f"(?:blx|bx){_COND}")


class StackUnbounded(TinyDeployError):
    """The call graph has no finite worst case (recursion, a dynamic frame, ...)."""


@dataclass
class Function:
    frame: int = 0
    calls: set[str] = field(default_factory=set)
    indirect: bool = False
    dynamic: bool = False
    ends: bool = False          # its last instruction leaves it (return or branch)
    next: str | None = None     # the function after it in the image
    targets: list[tuple[bool, int]] = field(default_factory=list)   # (is a call, address)


@dataclass
class StackUsage:
    bytes: int                 # the bound: main path + every handler nested on top
    path: list[str]            # the deepest call chain from Reset_Handler
    main_bytes: int
    handler_bytes: int         # the handlers' share, exception frames included


def _reglist_bytes(operands: str) -> int:
    """Bytes a register list pushes: {r4, r5, lr} 12, {d8-d15} 64, {s16-s31} 64."""
    total = 0
    for item in re.findall(r"[^{},\s]+", operands.split("{", 1)[1]):
        lo, _, hi = item.partition("-")
        size = 8 if lo.startswith("d") else 4
        count = int(hi[1:]) - int(lo[1:]) + 1 if hi else 1
        total += size * count
    return total


def _decrement(mnemonic: str, operands: str) -> int | None:
    """Bytes an instruction moves sp down by; None when it moves it by a register value."""
    m = mnemonic.split(".")[0]
    if m in ("push", "vpush") or (m in ("stmdb", "stmfd", "vstmdb") and operands.startswith("sp!")):
        return _reglist_bytes(operands)
    if m in ("sub", "subw") and operands.startswith("sp, "):
        imm = re.search(r"#(\d+)\s*(?:@.*)?$", operands)
        return int(imm.group(1)) if imm else None
    pre = re.search(r"\[sp, #-(\d+)\]!", operands) if m == "str" else None
    if pre:
        return int(pre.group(1))
    if m == "mov" and operands.startswith("sp, "):
        return None
    return 0


def _disassemble(elf: Path) -> tuple[dict[str, Function], dict[int, str]]:
    """Every function of the image (its disassembled frame, an upper bound, and its calls),
    and the name objdump gives each function's Thumb address (one of its aliases)."""
    text = subprocess.run([require("arm-none-eabi-objdump", "binutils-arm-none-eabi"), "-d",
                           "--no-show-raw-insn", str(elf)], capture_output=True, text=True,
                          check=True).stdout
    funcs: dict[str, Function] = {}
    names: dict[int, str] = {}
    cur: Function | None = None
    name = ""
    for line in text.splitlines():
        head = _HEAD.match(line)
        if head:
            if cur is not None:
                cur.next = head.group(2)
            name = head.group(2)
            names[int(head.group(1), 16) | 1] = name
            cur = funcs.setdefault(name, Function())
            continue
        insn = _INSN.match(line)
        if cur is None or not insn or insn.group(1).startswith(".") or insn.group(1) == "nop":
            continue                    # literal pools, alignment padding
        mnemonic, operands = insn.group(1), (insn.group(2) or "").strip()
        cur.ends = (mnemonic.split(".")[0] in ("b", "bx") or "pc" in operands.split("{")[-1]
                    and mnemonic.split(".")[0] in ("pop", "ldmia", "ldm"))
        dec = _decrement(mnemonic, operands)
        if dec is None:
            cur.dynamic = name != RESET     # Reset_Handler sets sp before any call
        else:
            cur.frame += dec
        base = mnemonic.split(".")[0]
        target = _TARGET.match(operands)
        if target and (_CALL.fullmatch(base) or _BRANCH.fullmatch(base)):
            cur.targets.append((not _BRANCH.fullmatch(base), int(target.group(1), 16)))
        elif _INDIRECT.fullmatch(base) and operands != "lr":
            cur.indirect = True
    # a target is named by address: objdump may label it with any nearby symbol
    starts = sorted((addr & ~1, fn) for addr, fn in names.items())
    for fn, f in funcs.items():
        for call, addr in f.targets:
            owner = starts[max(bisect.bisect_right(starts, (addr, "\uffff")) - 1, 0)][1]
            if call or owner != fn:         # B to another function: a tail call
                f.calls.add(owner)
    return funcs, names


def _su_frames(build_dir: Path) -> dict[str, int]:
    """name -> frame bytes from GCC's .su files (static names shared by several files: the
    largest); a frame GCC marks dynamic and not bounded -> -1."""
    frames: dict[str, int] = {}
    for su in sorted(build_dir.rglob("*.su")):
        for line in su.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) != 3:
                continue
            fn = parts[0].rsplit(":", 1)[-1]
            size = -1 if "dynamic" in parts[2] and "bounded" not in parts[2] else int(parts[1])
            frames[fn] = -1 if frames.get(fn) == -1 or size == -1 else max(frames.get(fn, 0), size)
    return frames


def _address_taken(elf: Path, by_addr: dict[int, str]) -> tuple[set[str], list[str]]:
    """(functions whose Thumb address is a word stored in the image, the vector table's
    handlers in order); by_addr: Thumb address -> function name."""
    with open(elf, "rb") as f:
        e = ELFFile(f)
        symtab = e.get_section_by_name(".symtab")
        assert isinstance(symtab, SymbolTableSection)
        vt = next(((s["st_value"], s["st_size"]) for s in symtab.iter_symbols()
                   if s.name == VECTOR_TABLE), None)
        taken: set[str] = set()
        handlers: list[str] = []
        for sec in e.iter_sections():
            if not sec["sh_flags"] & 2 or sec["sh_type"] == "SHT_NOBITS":     # SHF_ALLOC
                continue
            data, base = sec.data(), sec["sh_addr"]
            for off in range(0, len(data) - 3, 2):
                word = int.from_bytes(data[off:off + 4], "little")
                if word in by_addr:
                    taken.add(by_addr[word])
                    if vt and off % 4 == 0 and vt[0] + 4 <= base + off < vt[0] + vt[1]:
                        handlers.append(by_addr[word])
    return taken, handlers


def analyse(elf: Path | str, build_dir: Path | str, fpu: bool) -> StackUsage:
    """See the module docstring. fpu: the image saves the FP context on exceptions."""
    elf, build_dir = Path(elf), Path(build_dir)
    funcs, names = _disassemble(elf)
    su = _su_frames(build_dir)
    taken, handlers = _address_taken(elf, names)
    memo: dict[str, tuple[int, list[str]]] = {}

    def frame(fn: str) -> int:
        f = funcs[fn]
        size = su.get(_CLONE.sub("", fn), su.get(fn))
        if size == -1 or (size is None and f.dynamic):
            raise StackUnbounded(f"{fn} sizes its stack frame at run time")
        return f.frame if size is None else size

    def depth(fn: str, chain: tuple[str, ...]) -> tuple[int, list[str]]:
        if fn in chain:
            raise StackUnbounded("recursion: " + " -> ".join(chain[chain.index(fn):] + (fn,)))
        if fn in memo:
            return memo[fn]
        f = funcs.get(fn)
        if f is None:
            raise StackUnbounded(f"{chain[-1] if chain else '?'} calls {fn}, which has no code")
        callees = set(f.calls) | (taken - set(handlers) if f.indirect else set())
        if f.next and not f.ends and _CLONE.sub("", fn) not in su:
            callees.add(f.next)       # library code may run on into the next function
        best, path = 0, []
        for c in sorted(callees):
            d, p = depth(c, chain + (fn,))
            if d > best:
                best, path = d, p
        memo[fn] = (frame(fn) + best, [fn] + path)
        return memo[fn]

    main_bytes, path = depth(RESET, ())
    exception = (FRAME_FP if fpu else FRAME_BASIC) + FRAME_ALIGN
    handler_bytes = sum(depth(h, ())[0] + exception
                        for h in sorted(set(handlers) - {RESET}))
    return StackUsage(bytes=(main_bytes + handler_bytes + 7) // 8 * 8, path=path,
                      main_bytes=main_bytes, handler_bytes=handler_bytes)
