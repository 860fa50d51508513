"""Progress on long steps: `predict` over a large set draws a bar (count, time left) on a
terminal, and piped or with --json prints no bar (no carriage returns, no counts)."""
import subprocess
import sys

import numpy as np
import pytest

from tinydeploy.progress import steps

from terminal import on_pty

pytestmark = pytest.mark.host_c
N = 3000


@pytest.fixture
def big_set(tmp_path):
    x = np.random.default_rng(1).integers(-128, 128, (N, 16), dtype=np.int8)
    np.save(tmp_path / "x.npy", x)
    return tmp_path / "x.npy"


def test_predict_bar_on_a_terminal(fc_model, big_set):
    out = on_pty([sys.executable, "-m", "tinydeploy.cli", "predict", str(fc_model), "--inputs",
                   str(big_set)])
    assert f"ran {N} inputs" in out
    assert "predicting" in out and f"{N}/{N}" in out       # the bar's count at the end
    assert "\r" in out or "\x1b[" in out                   # redrawn in place
    assert "predicting: input" not in out                  # no line-mode messages


@pytest.mark.parametrize("json_flag", [False, True])
def test_predict_piped_has_no_bar(fc_model, big_set, json_flag):
    args = [sys.executable, "-m", "tinydeploy.cli", "predict", str(fc_model), "--inputs",
            str(big_set)] + (["--json"] if json_flag else [])
    r = subprocess.run(args, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    both = r.stdout + r.stderr
    assert "\r" not in both and "\x1b[" not in both and f"/{N}" not in both
    if json_flag:
        assert r.stderr == ""                               # quiet
    else:
        # line-oriented: a handful of whole lines, the last one at the end of the set
        lines = [ln for ln in r.stderr.splitlines() if "predicting: input" in ln]
        assert 2 <= len(lines) <= 8 and lines[-1].endswith(f"{N} of {N}")


def test_steps_lines_for_a_plain_callable():
    msgs = []
    with steps(msgs.append, 25, "checking outputs: input") as tick:
        for _ in range(25):
            tick()
    assert msgs == [f"checking outputs: input {k} of 25" for k in (1, 11, 21, 25)]
    with steps(None, 5, "x") as tick:                      # no sink: nothing, no error
        tick()
