"""`export` on the device: the CMake package cross-built for the Cortex-M4 by a CMake
project of the test's own and run on mps2-an386 in QEMU (a bare-metal main of the test's
own, not the harness): two models in one arena, bit-exact with TFLite Micro."""
import subprocess

import numpy as np
import pytest

from export_checks import N, cmake, export, inputs, model_paths
from oracle import run_tflm

pytestmark = [pytest.mark.tf, pytest.mark.qemu]

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


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return model_paths(tmp_path_factory.mktemp("models"))


def test_cmake_cortex_m4_in_qemu_two_models_one_arena_bit_exact(models, tmp_path):
    """The CMake package cross-built for the Cortex-M4 (mps2-an386) and run in QEMU."""
    from tinydeploy.deploy.boards import load_board
    from tinydeploy.deploy.project import linker_script
    from tinydeploy.resources import data_dir
    board = load_board("mps2-an386")
    dirs = export(models, tmp_path, "cmake")
    app = tmp_path / "app"
    app.mkdir()
    xs = inputs(models)
    (app / "inputs.h").write_text(
        f"#define N_SAMPLES {N}\n"
        f"static const int8_t in_fc[{N}][FC_INPUT_BYTES] = {{\n{_c_rows(xs['fc'])}}};\n"
        f"static const int8_t in_conv[{N}][CONV_INPUT_BYTES] = {{\n{_c_rows(xs['conv'])}}};\n")
    (app / "main.c").write_text(QEMU_MAIN_C)
    (app / "td_linker.ld").write_text(linker_script(board, board.stack_bytes)["board/td_linker.ld"])
    (app / "CMakeLists.txt").write_text(QEMU_CMAKE.format(
        fc=dirs["fc"], startup=data_dir("firmware") / "startup", ld=app / "td_linker.ld"))
    (tmp_path / "arm.cmake").write_text(TOOLCHAIN)
    cmake(app, tmp_path / "build", f"-DCMAKE_PREFIX_PATH={dirs['conv']}",
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
