"""User-facing errors: one line saying what is wrong and what to do, and `printable`, which
makes any text (names from a model file, device replies) safe for a terminal."""
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` as one terminal-safe line: control characters (ANSI escapes, newlines, carriage
    returns, C1 codes) become visible escapes such as \\x1b and \\n."""
    def esc(m):
        c = m.group(0)
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(c, f"\\x{ord(c):02x}")
    return _CONTROL.sub(esc, str(text))


_MAX_MESSAGE = 1200


class TinyDeployError(Exception):
    """An error the CLI prints as one line (no traceback) and exits non-zero on. The message
    is made one terminal-safe line here (printable), so names quoted from a damaged model
    cannot split or forge it, and one very long name is cut in the middle."""

    def __init__(self, message="", *args):
        text = printable(message)
        if len(text) > _MAX_MESSAGE:
            text = text[:800] + " ... " + text[-350:]
        super().__init__(text, *args)


class ModelError(TinyDeployError):
    """The model file cannot be used: corrupt, not int8, unsupported op or shape."""


class DataError(TinyDeployError):
    """An input or data file cannot be used."""


class OutputError(TinyDeployError):
    """A result cannot be written where the user asked."""


class ToolError(TinyDeployError):
    """An external tool (compiler, TensorFlow) is missing or failed."""
