"""The stack an image reserves comes from a static analysis of its call graph
(deploy/stack_usage.py), and the running firmware stays inside it: td_startup.c paints the
free stack at reset and `td-stack` reports the high-water mark after real inferences."""
import re
import subprocess

import pytest

from tinydeploy.deploy.boards import load_board
from tinydeploy.deploy.build import build_firmware
from tinydeploy.deploy.stack_usage import StackUnbounded, _disassemble, _su_frames, analyse

import zoo
from on_device import check_zoo_model_on_device

pytestmark = [pytest.mark.qemu, pytest.mark.tf]


@pytest.mark.parametrize("board, model", [("mps2-an386", "ds_cnn"), ("mps2-an505", "ds_cnn"),
                                          ("microbit", "dw3_s2_same_c12_even")])
def test_the_analysed_stack_is_reserved_and_the_painted_high_water_mark_stays_below_it(
        board, model, tmp_path):
    seen = {}
    r = check_zoo_model_on_device(model, board, tmp_path / "p",
                                  then=lambda dut: (dut.layers(), seen.update(dut.stack())))
    stack = r["stack"]
    assert stack["source"] == "analysis", stack
    assert stack["path"][:2] == ["Reset_Handler", "main"]
    assert stack["bytes"] >= stack["main_bytes"] + stack["handler_bytes"]
    assert r["size"]["ram"]["stack"] == stack["bytes"]      # what the linker reserved
    assert stack["bytes"] < load_board(board).stack_bytes   # the board file's guess
    assert seen["reserved"] == stack["bytes"]
    # the kernels ran on that stack: well above the harness's idle depth, within the bound
    assert stack["main_bytes"] // 4 < seen["used"] <= stack["bytes"], (seen, stack)


def test_frames_read_from_the_disassembly_bound_gccs_stack_usage(tmp_path):
    """The disassembly's frame (every stack decrement summed) is what library code without a
    .su is charged: checked to bound, and mostly equal, GCC's figure on every function GCC
    did describe."""
    r = build_firmware(zoo.tflite_path("ds_cnn"), "mps2-an386", tmp_path / "p")
    funcs, _ = _disassemble(tmp_path / "p" / "build" / "firmware.elf")
    su = _su_frames(tmp_path / "p" / "build")
    both = [(name, f.frame, su[re.sub(r"(\.\d+)+$", "", name)]) for name, f in funcs.items()
            if re.sub(r"(\.\d+)+$", "", name) in su and name != "Reset_Handler"]
    assert len(both) > 40, r["stack"]
    assert all(frame >= size for _, frame, size in both), both
    assert sum(frame == size for _, frame, size in both) >= 0.9 * len(both), both


PROGRAM = r"""
typedef void (*fn_t)(void);
void Reset_Handler(void);
void td_default_handler(void) { for (;;) {} }
__attribute__((used)) const fn_t td_vector_table[4] = {0, Reset_Handler, td_default_handler, 0};
volatile int sink;
__attribute__((noinline)) void leaf(void) { volatile char b[300]; b[7] = 1; sink = b[7]; }
__attribute__((noinline)) void mid(fn_t f) { volatile char b[200]; b[3] = 2; f(); sink = b[3]; }
__attribute__((noinline)) void top(void) { volatile char b[100]; b[1] = 3; mid(leaf);
                                           sink = b[1]; }
%s
void Reset_Handler(void) { top(); %s for (;;) {} }
"""


def _image(tmp_path, extra="", call=""):
    src = tmp_path / "p.c"
    src.write_text(PROGRAM % (extra, call))
    elf = tmp_path / "p.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-O2", "-fstack-usage",
                    "-fno-inline", "-nostdlib", "-nostartfiles", "-Wl,-e,Reset_Handler",
                    "-Wl,-Ttext=0x0", str(src), "-o", str(elf)], check=True, cwd=tmp_path)
    return elf


def test_an_indirect_call_reaches_every_function_whose_address_the_image_holds(tmp_path):
    use = analyse(_image(tmp_path), tmp_path, fpu=False)
    assert use.path == ["Reset_Handler", "top", "mid", "leaf"]
    assert 600 <= use.main_bytes <= 600 + 64                 # the arrays + saved registers
    # td_default_handler (fault) nests on top with the 8-word frame and alignment
    assert use.handler_bytes == 32 + 4
    assert use.bytes == (use.main_bytes + use.handler_bytes + 7) // 8 * 8


@pytest.mark.parametrize("extra, call, reason", [
    ("__attribute__((noinline)) int rec(int n) { volatile int b[4]; b[0] = n; if (n <= 0)"
     " return 0; int r = rec(n - 1); sink = r; return r + b[0]; }", "sink = rec(sink);",
     "recursion: rec -> rec"),
    ("__attribute__((noinline)) int vla(int n) { volatile char b[n]; b[0] = 1; return b[0]; }",
     "sink = vla(sink);", "vla sizes its stack frame at run time"),
])
def test_recursion_and_run_time_frames_have_no_bound_and_say_why(tmp_path, extra, call, reason):
    with pytest.raises(StackUnbounded, match=reason):
        analyse(_image(tmp_path, extra, call), tmp_path, fpu=False)
