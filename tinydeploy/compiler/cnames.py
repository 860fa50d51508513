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
