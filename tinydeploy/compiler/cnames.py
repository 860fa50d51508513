"""Make text from a model file safe to place in generated C (comments, string literals)."""
from __future__ import annotations

import re

_SAFE_LITERAL = re.compile(r"[^A-Za-z0-9_.:/ +-]")


def c_comment(text: str, limit: int = 80) -> str:
    """Text for inside /* */: printable ASCII only, no comment terminators, line splices
    or trigraphs (-std=c99 turns '??/' into a backslash)."""
    s = "".join(ch if 32 <= ord(ch) < 127 and ch not in "\\?" else "_" for ch in text)
    s = s.replace("*/", "*_").replace("/*", "_*")
    return s if len(s) <= limit else s[: limit - 3] + "..."


def c_string(text: str, limit: int = 64) -> str:
    """Body of a C string literal: a conservative character set, everything else '_'."""
    s = _SAFE_LITERAL.sub("_", text)
    s = s.replace("/*", "_*").replace("*/", "*_")
    return s[:limit]


# Generated per-layer symbols: td_l{layer}_{what}. `what` is "p" for the parameter block
# and names a constant array otherwise (w, b, mult, shift, in1, inner, ...). The k-th
# kernel call of a multi-output op (SPLIT, UNPACK, ...) is layer "{index}o{k}".
PARAMS_SUFFIX = "p"
_LAYER_SYMBOL = re.compile(r"td_l(\d+(?:o\d+)?)_(\w+)")


def layer_symbol(layer: int | str, what: str) -> str:
    """The C identifier of a layer's parameter block or constant array."""
    return f"td_l{layer}_{what}"


def symbol_kind(name: str) -> str | None:
    """'params' for a layer's parameter block, 'const' for a layer's constant array, None
    for any other symbol (how size reports and benchmarks read an ELF's symbol table)."""
    m = _LAYER_SYMBOL.fullmatch(name)
    if m is None:
        return None
    return "params" if m.group(2) == PARAMS_SUFFIX else "const"
