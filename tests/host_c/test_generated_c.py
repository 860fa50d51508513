"""Generated C on the host: bit-exact with TFLite Micro, safe names, reproducible output."""
import re

import numpy as np
import pytest

from tinydeploy.compiler.codegen import generate
from tinydeploy.compiler.hostrun import HostModel
from tinydeploy.compiler.lower import lower
from tinydeploy.compiler.planner import plan
from tinydeploy.compiler.reader import load_model

from oracle import run_tflm
from tflite_builder import fc_softmax_model

pytestmark = pytest.mark.host_c

EVIL_IN = 'in*/put\n#include "evil.h"\n/*'
EVIL_OUT = "out\\\n??/ */ int pwned = 1; /*"


def _compiled(path, **kw):
    g = load_model(path)
    program = lower(g)
    return HostModel(program, plan(program), path.read_bytes(), **kw)


def test_dense_softmax_bit_exact_with_tflite_micro(fc_model):
    x = np.random.default_rng(1).integers(-128, 128, (64, 16), dtype=np.int8)
    hm = _compiled(fc_model)
    try:
        ours = hm.run(x)
    finally:
        hm.close()
    ref = run_tflm(fc_model, x)
    np.testing.assert_array_equal(ours, ref.reshape(ours.shape))
    assert len(np.unique(ours)) > 10          # outputs vary: the comparison means something


def test_hostile_tensor_names_cannot_break_or_inject_code(tmp_path):
    p = tmp_path / "evil.tflite"
    p.write_bytes(fc_softmax_model(in_name=EVIL_IN, out_name=EVIL_OUT))
    g = load_model(p)
    program = lower(g)
    files = generate(program, plan(program), p.read_bytes())
    code = "\n".join(files.values())
    code = re.sub(r"/\*.*?\*/", " ", code, flags=re.S)      # comments
    code = re.sub(r'"[^"\n]*"', '""', code)                  # string literals
    assert "pwned" not in code and "evil" not in code
    # ... and it still compiles with -Werror and computes the right thing.
    x = np.random.default_rng(2).integers(-128, 128, (8, 16), dtype=np.int8)
    hm = HostModel(program, plan(program), p.read_bytes())
    try:
        np.testing.assert_array_equal(hm.run(x), run_tflm(p, x).reshape(8, 5))
    finally:
        hm.close()


def test_generation_is_reproducible_and_has_no_paths(tmp_path, fc_model):
    def gen():
        program = lower(load_model(fc_model))
        return generate(program, plan(program), fc_model.read_bytes())
    a, b = gen(), gen()
    assert a == b
    text = "\n".join(a.values())
    assert str(tmp_path) not in text and "/work/" not in text and "/home/" not in text
    assert set(a) == {"model/td_model.h", "model/td_model.c", "model/td_model_data.h",
                      "model/td_model_data.c", "model/td_model_tflite.h", "model/td_model_tflite.c"}


def test_flatbuffer_array_matches_the_file(fc_model):
    program = lower(load_model(fc_model))
    files = generate(program, plan(program), fc_model.read_bytes())
    c = files["model/td_model_tflite.c"]
    assert "TD_ALIGNAS16 const unsigned char td_model_tflite[" in c
    body = c[c.index("= {") + 3:c.index("};")]
    values = bytes(int(v) for v in body.replace("\n", "").split(",") if v.strip())
    assert values == fc_model.read_bytes()


def test_sanitizers_find_nothing(fc_model):
    x = np.random.default_rng(3).integers(-128, 128, (32, 16), dtype=np.int8)
    hm = _compiled(fc_model, extra_flags=["-fsanitize=address,undefined",
                                          "-fno-sanitize-recover=all", "-g"])
    try:
        np.testing.assert_array_equal(hm.run(x), run_tflm(fc_model, x).reshape(32, 5))
    finally:
        hm.close()


def test_generated_model_does_not_compile_against_other_kernels(fc_model, tmp_path):
    """td_model.c checks TD_KERNELS_VERSION: kernels of another version are an #error."""
    import shutil
    import subprocess

    from tinydeploy.compiler.codegen import COMMON_CFLAGS
    from tinydeploy.resources import data_dir
    from tinydeploy.writer import write_files
    program = lower(load_model(fc_model))
    write_files(generate(program, plan(program)), tmp_path)
    kernels = tmp_path / "kernels"
    shutil.copytree(data_dir("firmware") / "kernels", kernels)

    def cc():
        return subprocess.run(["cc", *COMMON_CFLAGS, f"-I{tmp_path / 'model'}", f"-I{kernels}",
                               "-c", str(tmp_path / "model" / "td_model.c"), "-o",
                               str(tmp_path / "m.o")], capture_output=True, text=True)
    assert cc().returncode == 0
    h = kernels / "td_kernels.h"
    h.write_text(re.sub(r"#define TD_KERNELS_VERSION \d+", "#define TD_KERNELS_VERSION 999",
                        h.read_text()))
    r = cc()
    assert r.returncode != 0 and "generated for td_kernels.h version" in r.stderr
