"""Importing TensorFlow quietly and filtering its native (C++) stderr.

Contract: `import_tf()` returns the `tensorflow` module with its Python and absl loggers at
ERROR and its start-up/device-probing logs suppressed, or raises ToolError if TensorFlow is
not installed. `native_stderr()` is a context manager that captures fd 2 during the block,
yields an object whose `.text()` is what was captured so far, and afterwards replays every
line that is not known TF noise (nothing at all if the block raised a TinyDeployError).
TF_CPP_MIN_LOG_LEVEL=0 or 1 turns the capture off. Importing this module does not import TF.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

from ..errors import TinyDeployError, ToolError


def import_tf():
    """Import TensorFlow quietly (its C++ start-up logs ignore TF_CPP_MIN_LOG_LEVEL)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with native_stderr():
        try:
            import tensorflow as tf
        except ImportError:
            raise ToolError("TensorFlow is not installed; pip install 'tinydeploy[tf]'") from None
        tf.config.list_physical_devices()  # device probing logs (cuInit on CPU-only hosts) now
    import logging

    tf.get_logger().setLevel(logging.ERROR)
    with contextlib.suppress(ImportError):
        from absl import logging as absl_logging
        absl_logging.set_verbosity(absl_logging.ERROR)
    return tf


# Known-harmless native stderr lines: absl INFO/WARNING records (TF 2.21 logs through absl
# before absl::InitializeLog, which ignores TF_CPP_MIN_LOG_LEVEL), the converter's
# quantization banner and CUDA probing on CPU-only machines.
_NOISE = re.compile(r"^(?:[IW]\d{4} |WARNING: All log messages before absl::InitializeLog"
                    r"|fully_quantize: |E\d{4} .*(?:cuInit|cuda|CUDA))")


class _Captured:
    def __init__(self, file):
        self._file = file

    def text(self) -> str:
        if self._file is None:
            return ""
        sys.stderr.flush()
        self._file.seek(0)
        return self._file.read().decode(errors="replace")


@contextlib.contextmanager
def native_stderr():
    """Capture fd 2 (C++ logs) during the block; afterwards replay every line that is not known
    noise. If the block raises a TinyDeployError, its one-line message already says what went
    wrong, so the diagnostics are dropped; any other exception gets the full replay.
    Set TF_CPP_MIN_LOG_LEVEL=0 or 1 to see everything unfiltered."""
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL") in ("0", "1"):
        yield _Captured(None)
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        cap = _Captured(tmp)
        replay = True
        try:
            yield cap
        except TinyDeployError:
            replay = False
            raise
        finally:
            text = cap.text()
            os.dup2(saved, 2)
            os.close(saved)
            keep = [ln for ln in text.splitlines() if ln.strip() and not _NOISE.match(ln)]
            if replay and keep:
                sys.stderr.write("\n".join(keep) + "\n")
