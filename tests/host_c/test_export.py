"""`export`: the model as a library, consumed the way applications consume it (a CMake
project and a Makefile of the test's own, built with real tools), bit-exact with TFLite
Micro; two models with different names in one image sharing one arena; one-line errors."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tinydeploy.compiler.compiled import compile_model
from tinydeploy.deploy.export import export_files
from tinydeploy.writer import write_files

from oracle import run_tflm
from zoo import tflite_path

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

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

APP_CMAKE = """cmake_minimum_required(VERSION 3.13)
project(app C)
add_subdirectory({fc} fc)
find_package(conv REQUIRED)
add_executable(app main.c)
target_link_libraries(app PRIVATE fc conv)
"""


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    from tflite_builder import fc_softmax_model
    (d / "fc.tflite").write_bytes(fc_softmax_model())
    return {"fc": d / "fc.tflite", "conv": tflite_path(CONV)}


def _inputs(models):
    rng = np.random.default_rng(7)
    return {k: rng.integers(-128, 128, (N, *_shape(p)), dtype=np.int8) for k, p in models.items()}


def _shape(path):
    g = compile_model(path).program.graph
    return g.t(g.inputs[0]).shape[1:]


def _export(models, tmp_path, fmt, arena="extern", section=None, names=("fc", "conv")):
    dirs = {}
    for key, name in zip(("fc", "conv"), names):
        dirs[key] = tmp_path / f"export-{name}"
        write_files(export_files(compile_model(models[key]), fmt, "cortex-m4", name, arena,
                                 section), dirs[key])
    return dirs


def _run_and_check(exe, models, xs, out_bytes=None):
    stdin = b"".join(xs["fc"][i].tobytes() + xs["conv"][i].tobytes() for i in range(N))
    r = subprocess.run([str(exe)], input=stdin, capture_output=True, timeout=60)
    assert r.returncode == 0, r.returncode
    refs = {k: run_tflm(models[k], xs[k]).reshape(N, -1) for k in ("fc", "conv")}
    step = refs["fc"].shape[1] + refs["conv"].shape[1]
    got = np.frombuffer(r.stdout, np.int8).reshape(N, step)
    np.testing.assert_array_equal(got[:, :refs["fc"].shape[1]], refs["fc"])
    np.testing.assert_array_equal(got[:, refs["fc"].shape[1]:], refs["conv"])


def _cmake(src, build, *args, env=None):
    for cmd in (["cmake", "-S", str(src), "-B", str(build), *args],
                ["cmake", "--build", str(build)]):
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def test_cmake_two_models_one_arena_bit_exact(models, tmp_path):
    dirs = _export(models, tmp_path, "cmake")
    assert sorted(p.name for p in (dirs["conv"] / "kernels").iterdir()) == [
        "td_conv2d_im2col_s8.c", "td_conv_core.h", "td_conv_gather.h", "td_fixedpoint.c",
        "td_fixedpoint.h", "td_kernels.h", "td_simd.h"]   # only what the model calls
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.c").write_text(MAIN_C)
    (app / "CMakeLists.txt").write_text(APP_CMAKE.format(fc=dirs["fc"]))
    # conv installed on its own, then found by find_package under the prefix
    prefix = tmp_path / "prefix"
    _cmake(dirs["conv"], tmp_path / "build-conv")
    r = subprocess.run(["cmake", "--install", str(tmp_path / "build-conv"), "--prefix",
                        str(prefix)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # td_fixedpoint.c is in both exports: the shared kernels target compiles it once
    _cmake(app, tmp_path / "build", f"-DCMAKE_PREFIX_PATH={prefix}",
           "-DCMAKE_C_FLAGS=-Wall -Wextra -Werror")
    members = subprocess.run(["ar", "t", str(tmp_path / "build" / "fc" /
                                         "libtinydeploy_kernels.a")],
                             capture_output=True, text=True).stdout.split()
    assert sorted(members) == sorted(set(members)) and len(members) == 4
    _run_and_check(tmp_path / "build" / "app", models, _inputs(models))


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
    dirs = _export(models, tmp_path, "c", arena="static", section=".td_arena")
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
    _run_and_check(app / "app", models, _inputs(models))


TOOLCHAIN = """set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
"""

# The same two models on mps2-an386: the inputs compiled in, each output byte as two hex
# digits on the CMSDK UART, a line per model and sample; then a semihosting exit.
QEMU_MAIN_C = r"""
#include <stdint.h>
#include <string.h>
#include "fc.h"
#include "conv.h"
#include "inputs.h"

#define UART_DATA (*(volatile uint32_t *)0x40004000u)
#define UART_STATE (*(volatile uint32_t *)0x40004004u)
#define UART_CTRL (*(volatile uint32_t *)0x40004008u)
#define BIGGER(a, b) ((a) > (b) ? (a) : (b))
static uint8_t arena[BIGGER(FC_ARENA_BYTES, CONV_ARENA_BYTES)] __attribute__((aligned(16)));

static void put(char c) {
    while (UART_STATE & 1u) {
    }
    UART_DATA = (uint32_t)(uint8_t)c;
}

static void hex_line(const int8_t *p, int n) {
    for (int i = 0; i < n; i++) {
        put("0123456789abcdef"[(uint8_t)p[i] >> 4]);
        put("0123456789abcdef"[(uint8_t)p[i] & 15u]);
    }
    put('\n');
}

int main(void) {
    UART_CTRL = 1u;
    if (fc_set_arena(arena, sizeof arena) != FC_ARENA_OK) put('!');
    if (conv_set_arena(arena, sizeof arena) != CONV_ARENA_OK) put('!');
    for (int i = 0; i < N_SAMPLES; i++) {
        memcpy(fc_input(0), in_fc[i], FC_INPUT_BYTES);
        fc_invoke();
        hex_line(fc_output(0), FC_OUTPUT_BYTES);
        memcpy(conv_input(0), in_conv[i], CONV_INPUT_BYTES);
        conv_invoke();
        hex_line(conv_output(0), CONV_OUTPUT_BYTES);
    }
    register uint32_t r0 __asm__("r0") = 0x18u;        /* SYS_EXIT */
    register uint32_t r1 __asm__("r1") = 0x20026u;     /* ADP_Stopped_ApplicationExit */
    __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
    for (;;) {
    }
}
"""

QEMU_CMAKE = """cmake_minimum_required(VERSION 3.13)
project(app C)
add_subdirectory({fc} fc)
find_package(conv REQUIRED)
add_executable(app main.c {startup}/td_startup.c)
target_include_directories(app PRIVATE {startup} ${{CMAKE_CURRENT_SOURCE_DIR}})
target_link_options(app PRIVATE -nostartfiles --specs=nano.specs --specs=nosys.specs
                    -Wl,--gc-sections -T{ld})
target_link_libraries(app PRIVATE fc conv)
"""


def _c_rows(xs) -> str:
    return ",\n".join("{" + ", ".join(map(str, x.reshape(-1))) + "}" for x in xs)


@pytest.mark.qemu
@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None
                    or shutil.which("qemu-system-arm") is None, reason="no Arm toolchain/QEMU")
def test_cmake_cortex_m4_in_qemu_two_models_one_arena_bit_exact(models, tmp_path):
    """The CMake package cross-built for the Cortex-M4 (mps2-an386) and run in QEMU."""
    from tinydeploy.deploy.boards import load_board
    from tinydeploy.resources import data_dir, template_env
    board = load_board("mps2-an386")
    dirs = _export(models, tmp_path, "cmake")
    app = tmp_path / "app"
    app.mkdir()
    xs = _inputs(models)
    (app / "inputs.h").write_text(
        f"#define N_SAMPLES {N}\n"
        f"static const int8_t in_fc[{N}][FC_INPUT_BYTES] = {{\n{_c_rows(xs['fc'])}}};\n"
        f"static const int8_t in_conv[{N}][CONV_INPUT_BYTES] = {{\n{_c_rows(xs['conv'])}}};\n")
    (app / "main.c").write_text(QEMU_MAIN_C)
    (app / "td_linker.ld").write_text(template_env().get_template(
        "project/board/td_linker.ld.j2").render(
        flash_origin=board.flash.origin, flash_size=board.flash.size,
        ram_origin=board.ram.origin, ram_size=board.ram.size, stack_bytes=board.stack_bytes))
    (app / "CMakeLists.txt").write_text(QEMU_CMAKE.format(
        fc=dirs["fc"], startup=data_dir("firmware") / "startup", ld=app / "td_linker.ld"))
    (tmp_path / "arm.cmake").write_text(TOOLCHAIN)
    _cmake(app, tmp_path / "build", f"-DCMAKE_PREFIX_PATH={dirs['conv']}",
           f"-DCMAKE_TOOLCHAIN_FILE={tmp_path / 'arm.cmake'}")
    r = subprocess.run(["qemu-system-arm", "-M", board.qemu_machine, "-display", "none",
                        "-monitor", "none", "-semihosting-config", "enable=on,target=native",
                        "-serial", "stdio", "-kernel", str(tmp_path / "build" / "app")],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split()
    assert len(lines) == 2 * N, r.stdout
    got = [np.frombuffer(bytes.fromhex(ln), np.int8) for ln in lines]
    for k, key in enumerate(("fc", "conv")):
        ref = run_tflm(models[key], xs[key]).reshape(N, -1)
        np.testing.assert_array_equal(np.stack(got[k::2]), ref)


def td(*args):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "tinydeploy.cli", *map(str, args)],
                          capture_output=True, text=True, env=env)


@pytest.mark.parametrize("bad", [
    ["--format", "zephyr"], ["--name", "2kws"], ["--name", "kws-v2"], ["--name", "test"], ["--core", "cortex-m99"],
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
