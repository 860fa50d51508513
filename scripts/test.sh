#!/usr/bin/env bash
# Lint (ruff), type-check (mypy, the files pyproject.toml's [tool.mypy] names) and run the
# whole test suite (all tiers but hw) after installing what is missing. A lint or type error
# fails the run before any test starts.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/bootstrap.sh"
VENV="${TD_VENV:-$here/.venv}"
cd "$here"
"$VENV/bin/python" -m ruff check .
"$VENV/bin/python" -m mypy
exec "$VENV/bin/python" -m pytest -n "${TD_TEST_WORKERS:-2}" -m "not hw" "$@"
