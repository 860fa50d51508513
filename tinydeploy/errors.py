"""User-facing errors: one line saying what is wrong and what to do."""


class TinyDeployError(Exception):
    """An error the CLI prints as one line (no traceback) and exits non-zero on."""


class ModelError(TinyDeployError):
    """The model file cannot be used: corrupt, not int8, unsupported op or shape."""


class DataError(TinyDeployError):
    """An input or data file cannot be used."""


class ToolError(TinyDeployError):
    """An external tool (compiler, TensorFlow) is missing or failed."""
