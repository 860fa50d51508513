"""`build` on a terminal: a progress bar over the sources make compiles (count up to every
source in the generated Makefile); piped: a few whole lines, no bar."""
import re
import subprocess
import sys

import pytest

from terminal import on_pty

pytestmark = pytest.mark.qemu


def _sources(project) -> int:
    return len(re.findall(r"^\t\S+\.c \\$", (project / "Makefile").read_text(), re.M))


def test_build_bar_on_a_terminal_and_lines_when_piped(tmp_path, fc_model):
    out = on_pty([sys.executable, "-m", "tinydeploy.cli", "build", str(fc_model), "--board",
                  "mps2-an386", "-o", str(tmp_path / "tty")])
    n = _sources(tmp_path / "tty")
    assert n > 10 and (tmp_path / "tty" / "build" / "firmware.elf").exists()
    assert re.search(rf"compiling\s+\[#+\]\s+{n}/{n}", out), out[-800:]
    assert "compiling: source" not in out
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "build", str(fc_model), "--board",
                        "mps2-an386", "-o", str(tmp_path / "pipe")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "\r" not in r.stderr + r.stdout and f"/{n}" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if "compiling: source" in ln]
    every_tenth = len([i for i in range(n) if i % 10 == 0 or i + 1 == n])   # 1, 11, ..., n
    assert lines[0].endswith(f"1 of {n}") and lines[-1].endswith(f"{n} of {n}")
    assert len(lines) == every_tenth, lines
