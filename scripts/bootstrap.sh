#!/usr/bin/env bash
# Install what tinydeploy needs on a fresh Debian/Ubuntu machine, then nothing more.
# Idempotent: each step checks before it installs. Used by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

# chromium + chromium-driver: the report tests open the HTML report in a headless browser.
# cmake: the export tests build the exported CMake package.
DEB_PACKAGES=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm gcc make python3-venv
              chromium chromium-driver cmake)
VENV="${TD_VENV:-$here/.venv}"

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "bootstrap: missing Debian packages: ${missing[*]}; run as root or install them" >&2; exit 1; fi
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for c in python3.11 python3; do command -v "$c" >/dev/null && { PY="$c"; break; }; done
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "bootstrap: creating virtual environment $VENV"
  "$PY" -m venv "$VENV"
fi
stamp="$VENV/.td-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "bootstrap: installing tinydeploy[tf,test,search] into $VENV (first time takes a few minutes)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[tf,test,search]"
  touch "$stamp"
fi
