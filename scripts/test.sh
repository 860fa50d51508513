#!/usr/bin/env bash
# Run the whole test suite (all tiers but hw) after installing what is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/bootstrap.sh"
VENV="${TD_VENV:-$here/.venv}"
cd "$here"
exec "$VENV/bin/python" -m pytest -n "${TD_TEST_WORKERS:-2}" -m "not hw" "$@"
