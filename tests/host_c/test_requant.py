"""The one-step requantizations equal TFLite Micro's MultiplyByQuantizedMultiplier
(td_mbqm, double rounding) plus the output zero point, in C, for every table
kernel_layout builds: td_rq_apply (the fast kernels' 8-byte td_rq_t per channel, right
shifts 2..24) and td_rq64_apply (ADD/SUB's td_rq64_t, right shifts 1..24), at edge
accumulators (int32 extremes, exact rounding ties) and random ones, zero points
-128..127; and channels whose c_hi does not fit td_rq_t, re-expressed over their
accumulator range, give TFLM's values on that whole range."""
import subprocess

import numpy as np
import pytest

from tinydeploy.compiler import kernel_layout as kl
from tinydeploy.resources import data_dir

pytestmark = pytest.mark.host_c

PROGRAM = r"""
#include <stdio.h>
#include "td_fixedpoint.h"
int main(void) {
    long acc, delta, mult, shift, zp, w0, w1, w2, w3;
    while (scanf("%ld %ld %ld %ld %ld %ld %ld %ld %ld", &acc, &delta, &mult, &shift, &zp,
                 &w0, &w1, &w2, &w3) == 9) {
        td_rq_t q = {(int32_t)w0, (int32_t)w1};
        td_rq64_t q64 = {(uint32_t)w0, (int32_t)w1, (int32_t)w2, (int32_t)w3};
        printf("%d %d\n", td_mbqm((int32_t)acc, (int32_t)mult, (int32_t)shift) + (int32_t)zp,
               w3 < 0 ? td_rq_apply((int32_t)(acc + delta), &q) : td_rq64_apply((int32_t)acc, &q64));
    }
    return 0;
}
"""


def _accs(rng, e):
    ties = [k << (e - 1) for k in range(-6, 7)] + [(k << e) + (1 << (e - 1)) for k in (-3, 3)]
    edges = [-(1 << 31), -(1 << 31) + 1, (1 << 31) - 1, -1, 0, 1] + ties
    rand = [int(v) for v in rng.integers(-(1 << 31), 1 << 31, 40)]
    small = [int(v) for v in rng.integers(-(1 << 20), 1 << 20, 40)]
    return edges + rand + small


def _cases(rng):
    """(acc, delta, mult, shift, zp, four words): td_rq_t rows padded with -1, or td_rq64_t;
    td_rq_apply is given acc + delta (the raised accumulator start of a re-expressed
    channel)."""
    for e in range(1, kl.MAX_RQ_SHIFT + 1):
        for mult in (1 << 30, (1 << 31) - 1, int(rng.integers(1 << 30, 1 << 31))):
            zp = int(rng.integers(-128, 128))
            wide = kl.requant_wide(mult, -e, zp)
            lean = kl.requant_table([mult], [-e], zp)
            assert lean is None or not lean[1].any()
            assert wide is not None
            fits = e >= 2 and abs((1 << (e - 2)) + zp * (1 << (e - 1))) < kl.C_HI_LIMIT
            assert (lean is not None) == fits
            for acc in _accs(rng, e):
                yield acc, 0, mult, -e, zp, [int(v) for v in wide]
                if lean is not None:
                    yield acc, 0, mult, -e, zp, [int(lean[0][0]), int(lean[0][1]), 0, -1]


def _reexpressed(rng):
    """Tiny scales with zero point -128 (c_hi too wide for 24 bits) over a known range of
    a few output values, across zero (TFLM's sign term) and on one side of it."""
    out, reexpressed = [], 0
    for e, lo, hi in ((19, -(1 << 17), 1 << 20), (21, -(1 << 22), 1 << 21), (23, 0, 1 << 25),
                      (22, -(1 << 24), -(1 << 20)), (20, -(1 << 18), 1 << 19)):
        mult = int(rng.integers(1 << 30, 1 << 31))
        got = kl.requant_table([mult], [-e], -128, (np.array([lo]), np.array([hi])))
        assert got is not None
        reexpressed += int(got[1][0]) != 0                    # raised start: re-expressed
        words, delta = [int(got[0][0]), int(got[0][1]), 0, -1], int(got[1][0])
        accs = [lo, hi, 0, -1] + [int(v) for v in rng.integers(lo, hi + 1, 400)]
        out += [(a, delta, mult, -e, -128, words) for a in accs]
    assert reexpressed >= 3
    return out


def test_one_step_requantization_equals_td_mbqm(tmp_path):
    src = tmp_path / "rq.c"
    src.write_text(PROGRAM)
    exe = tmp_path / "rq"
    subprocess.run(["cc", "-std=c99", "-O2", "-Wall", "-Werror",
                    f"-I{data_dir('firmware') / 'kernels'}", "-o", str(exe), str(src)], check=True)
    rng = np.random.default_rng(1)
    direct = list(_cases(rng))
    cases = direct + _reexpressed(rng)
    lines = [" ".join(str(v) for v in (acc, delta, mult, shift, zp, words[0] & 0xFFFFFFFF,
                                       *words[1:]))
             for acc, delta, mult, shift, zp, words in cases]
    expect = [kl.mbqm(acc, mult, shift) + zp for acc, _, mult, shift, zp, _ in cases]
    out = subprocess.run([str(exe)], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True).stdout.split("\n")
    got = np.array([[int(v) for v in line.split()] for line in out if line])
    assert len(got) == len(cases) > 6000
    np.testing.assert_array_equal(got[:, 0], expect)     # the Python model is TFLM's formula
    n = len(direct)                                      # the one-step forms equal it,
    np.testing.assert_array_equal(got[:n, 1], got[:n, 0])
    np.testing.assert_array_equal(np.clip(got[n:, 1], -128, 127),   # re-expressed ones once
                                  np.clip(got[n:, 0], -128, 127))   # saturated to int8
