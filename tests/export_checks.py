"""Shared by the export tests (tests/host_c/test_export*.py, tests/qemu/test_export_on_device.py):
two models exported side by side, a main that runs both in one arena, the oracle check."""
import subprocess

import numpy as np

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.deploy.export import export_files
from tinydeploy.writer import write_files

from oracle import run_tflm
from zoo import tflite_path

CONV = "conv3x3_same_c8_o6"      # a scratch buffer in the arena (the im2col fast path)
N = 6

# Runs both models on each input pair, alternately; with --arena extern (FC_ARENA_ALIGN is
# defined) in the one arena both were given, after checking that set_arena refuses a
# misaligned and a too small buffer.
MAIN_C = r"""
#include <stdio.h>
#include <string.h>
#include "fc.h"
#include "conv.h"

#ifdef FC_ARENA_ALIGN
#define BIGGER(a, b) ((a) > (b) ? (a) : (b))
static uint8_t arena[BIGGER(FC_ARENA_BYTES, CONV_ARENA_BYTES) + 16] __attribute__((aligned(16)));
#endif

int main(void) {
    int8_t a[FC_INPUT_BYTES], b[CONV_INPUT_BYTES];
#ifdef FC_ARENA_ALIGN
    if (fc_set_arena(arena + 1, sizeof arena - 1) != FC_ARENA_MISALIGNED) return 3;
    if (conv_set_arena(arena, CONV_ARENA_BYTES - 1) != CONV_ARENA_TOO_SMALL) return 4;
    if (fc_set_arena(arena, sizeof arena) != FC_ARENA_OK) return 5;
    if (conv_set_arena(arena, sizeof arena) != CONV_ARENA_OK) return 5;
#endif
    while (fread(a, 1, sizeof a, stdin) == sizeof a && fread(b, 1, sizeof b, stdin) == sizeof b) {
        memcpy(fc_input(0), a, sizeof a);
        fc_invoke();
        fwrite(fc_output(0), 1, FC_OUTPUT_BYTES, stdout);
        memcpy(conv_input(0), b, sizeof b);
        conv_invoke();
        fwrite(conv_output(0), 1, CONV_OUTPUT_BYTES, stdout);
    }
    return 0;
}
"""

def model_paths(d):
    """The two models the export tests link into one image: fc (the fc_softmax fixture's
    model, written to `d`) and a zoo convolution."""
    from tflite_builder import fc_softmax_model
    (d / "fc.tflite").write_bytes(fc_softmax_model())
    return {"fc": d / "fc.tflite", "conv": tflite_path(CONV)}


def inputs(models):
    """N seeded int8 inputs per model."""
    rng = np.random.default_rng(7)
    return {k: rng.integers(-128, 128, (N, *_shape(p)), dtype=np.int8) for k, p in models.items()}


def _shape(path):
    g = compile_model(path).program.graph
    return g.t(g.inputs[0]).shape[1:]


def export(models, tmp_path, fmt, arena="extern", section=None, names=("fc", "conv")):
    """Both models exported for the Cortex-M4 under tmp_path: {key: directory}."""
    dirs = {}
    for key, name in zip(("fc", "conv"), names):
        dirs[key] = tmp_path / f"export-{name}"
        write_files(export_files(compile_model(models[key]), fmt, "cortex-m4", name, arena,
                                 section), dirs[key])
    return dirs


def run_and_check(exe, models, xs):
    """Run MAIN_C's executable on xs; both models' outputs bit-exact with TFLite Micro."""
    stdin = b"".join(xs["fc"][i].tobytes() + xs["conv"][i].tobytes() for i in range(N))
    r = subprocess.run([str(exe)], input=stdin, capture_output=True, timeout=60)
    assert r.returncode == 0, r.returncode
    refs = {k: run_tflm(models[k], xs[k]).reshape(N, -1) for k in ("fc", "conv")}
    step = refs["fc"].shape[1] + refs["conv"].shape[1]
    got = np.frombuffer(r.stdout, np.int8).reshape(N, step)
    np.testing.assert_array_equal(got[:, :refs["fc"].shape[1]], refs["fc"])
    np.testing.assert_array_equal(got[:, refs["fc"].shape[1]:], refs["conv"])


def cmake(src, build, *args, env=None):
    """Configure and build a CMake project; the tail of its output on failure."""
    for cmd in (["cmake", "-S", str(src), "-B", str(build), *args],
                ["cmake", "--build", str(build)]):
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
