"""td_rq_apply, the one-step requantization of the fast kernels, equals TFLite Micro's
MultiplyByQuantizedMultiplier (td_mbqm, double rounding) plus the output zero point for
every table kernel_layout.requant_table builds: edge accumulators (int32 extremes, exact
rounding ties) and random ones, every right shift 1..24, zero points -128..127."""
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
    long acc, mult, shift, zp, c_lo, c_hi, m, rshift;
    while (scanf("%ld %ld %ld %ld %ld %ld %ld %ld", &acc, &mult, &shift, &zp, &c_lo, &c_hi,
                 &m, &rshift) == 8) {
        td_rq_t q = {(uint32_t)c_lo, (int32_t)c_hi, (int32_t)m, (int32_t)rshift};
        printf("%d %d\n", td_mbqm((int32_t)acc, (int32_t)mult, (int32_t)shift) + (int32_t)zp,
               td_rq_apply((int32_t)acc, &q));
    }
    return 0;
}
"""


def _cases(rng):
    for e in range(1, kl.MAX_RQ_SHIFT + 1):
        for mult in (1 << 30, (1 << 31) - 1, int(rng.integers(1 << 30, 1 << 31))):
            zp = int(rng.integers(-128, 128))
            ties = [k << (e - 1) for k in range(-6, 7)] + [(k << e) + (1 << (e - 1)) for k in (-3, 3)]
            edges = [-(1 << 31), -(1 << 31) + 1, (1 << 31) - 1, -1, 0, 1] + ties
            rand = [int(v) for v in rng.integers(-(1 << 31), 1 << 31, 40)]
            small = [int(v) for v in rng.integers(-(1 << 20), 1 << 20, 40)]
            for acc in edges + rand + small:
                yield acc, mult, -e, zp


def test_one_step_requantization_equals_td_mbqm(tmp_path):
    src = tmp_path / "rq.c"
    src.write_text(PROGRAM)
    exe = tmp_path / "rq"
    subprocess.run(["cc", "-std=c99", "-O2", "-Wall", "-Werror",
                    f"-I{data_dir('firmware') / 'kernels'}", "-o", str(exe), str(src)], check=True)
    rng = np.random.default_rng(1)
    cases, lines, expect = list(_cases(rng)), [], []
    for acc, mult, shift, zp in cases:
        table = kl.requant_table([mult], [shift], zp)
        assert table is not None
        words = [int(v) for v in table]
        lines.append(" ".join(str(v) for v in (acc, mult, shift, zp, words[0] & 0xFFFFFFFF,
                                                 *words[1:])))
        expect.append(kl.mbqm(acc, mult, shift) + zp)
    out = subprocess.run([str(exe)], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True).stdout.split("\n")
    got = np.array([[int(v) for v in line.split()] for line in out if line])
    assert len(got) == len(cases) > 3000
    np.testing.assert_array_equal(got[:, 0], expect)     # the Python model is TFLM's formula
    np.testing.assert_array_equal(got[:, 1], got[:, 0])  # and the one-step form equals it
