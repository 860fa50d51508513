"""`export`: the model as a library, consumed the way applications consume it (a CMake
project and a Makefile of the test's own, built with real tools), bit-exact with TFLite
Micro; two models with different names in one image sharing one arena; one-line errors."""
import os
import subprocess
import sys

import pytest

from export_checks import MAIN_C, cmake, export, inputs, model_paths, run_and_check

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

APP_CMAKE = """cmake_minimum_required(VERSION 3.13)
project(app C)
add_subdirectory({fc} fc)
find_package(conv REQUIRED)
add_executable(app main.c)
target_link_libraries(app PRIVATE fc conv)
"""



@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return model_paths(tmp_path_factory.mktemp("models"))


def test_cmake_two_models_one_arena_bit_exact(models, tmp_path):
    dirs = export(models, tmp_path, "cmake")
    assert sorted(p.name for p in (dirs["conv"] / "kernels").iterdir()) == [
        "td_conv2d_im2col_s8.c", "td_conv_core.h", "td_conv_gather.h", "td_fixedpoint.c",
        "td_fixedpoint.h", "td_kernels.h", "td_simd.h"]   # only what the model calls
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.c").write_text(MAIN_C)
    (app / "CMakeLists.txt").write_text(APP_CMAKE.format(fc=dirs["fc"]))
    # conv installed on its own, then found by find_package under the prefix
    prefix = tmp_path / "prefix"
    cmake(dirs["conv"], tmp_path / "build-conv")
    r = subprocess.run(["cmake", "--install", str(tmp_path / "build-conv"), "--prefix",
                        str(prefix)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # td_fixedpoint.c is in both exports: the shared kernels target compiles it once
    cmake(app, tmp_path / "build", f"-DCMAKE_PREFIX_PATH={prefix}",
           "-DCMAKE_C_FLAGS=-Wall -Wextra -Werror")
    members = subprocess.run(["ar", "t", str(tmp_path / "build" / "fc" /
                                         "libtinydeploy_kernels.a")],
                             capture_output=True, text=True).stdout.split()
    assert sorted(members) == sorted(set(members)) and len(members) == 4
    run_and_check(tmp_path / "build" / "app", models, inputs(models))


MAKEFILE = """include {fc}/model.mk
include {conv}/model.mk
OBJS := $(patsubst %.c,%.o,$(notdir $(TD_MODEL_SRCS) $(TD_KERNEL_SRCS)))
vpath %.c $(sort $(dir $(TD_MODEL_SRCS) $(TD_KERNEL_SRCS)))
app: main.o $(OBJS)
	@echo $(notdir $(TD_KERNEL_SRCS)) > kernels.txt
\t$(CC) -o $@ $^ -lm
%.o: %.c
\t$(CC) $(TD_MODEL_CFLAGS) -Wall -Werror $(TD_MODEL_INCLUDES) -c $< -o $@
"""


def test_format_c_static_arena_in_a_section_bit_exact(models, tmp_path):
    dirs = export(models, tmp_path, "c", arena="static", section=".td_arena")
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.c").write_text(MAIN_C)
    (app / "Makefile").write_text(MAKEFILE.format(fc=dirs["fc"], conv=dirs["conv"]))
    r = subprocess.run(["make", "-s", "-C", str(app)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    kernels = (app / "kernels.txt").read_text().split()
    assert sorted(kernels) == ["td_conv2d_im2col_s8.c", "td_fixedpoint.c",
                               "td_fully_connected_rows4_s8.c", "td_softmax_s8.c"]
    nm = subprocess.run(["nm", str(app / "app")], capture_output=True, text=True).stdout
    assert " fc_invoke" in nm and " conv_invoke" in nm
    sections = subprocess.run(["objdump", "-h", str(app / "app")], capture_output=True,
                              text=True).stdout
    assert ".td_arena" in sections
    run_and_check(app / "app", models, inputs(models))


def td(*args):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "tinydeploy.cli", *map(str, args)],
                          capture_output=True, text=True, env=env)


@pytest.mark.parametrize("bad", [
    ["--format", "keil"], ["--name", "2kws"], ["--name", "kws-v2"], ["--name", "test"], ["--core", "cortex-m99"],
    ["--arena", "heap"], ["--arena", "extern", "--arena-section", ".dtcm"],
    ["--arena-section", "bad name"]])
def test_bad_options_one_line_nothing_written(models, tmp_path, bad):
    opts = {"--format": "cmake", "--core": "cortex-m4", "--name": "kws"}
    for i in range(0, len(bad), 2):
        opts[bad[i]] = bad[i + 1]
    out = tmp_path / "out"
    r = td("export", models["fc"], "-o", out, *[x for kv in opts.items() for x in kv])
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert not out.exists()
