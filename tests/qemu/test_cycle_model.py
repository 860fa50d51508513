"""The cycle model (firmware/qemu/td_cycles.c) against cycle totals computed by hand from
the Technical Reference Manuals, on small bare-metal Thumb loops run in QEMU.

Each core gets one program: per case `movs r4, #N; bl td_mark; b.n 0f`, then at a word
boundary (`0:`, so no taken branch lands on a 32-bit instruction at a halfword address)
a loop of N iterations of the case's body closed by `subs r4, #1; bne 0b`. The plugin logs
(instructions, cycles) at every entry into td_mark, so one case's cycles are the difference
between two consecutive entries:
    td_mark's `bx lr` + `b.n` + N x body + N x SUBS (1) + (N-1) x BNE taken
    + 1 x BNE not taken + the next case's `movs` (1) + `bl td_mark`.
M4 = ARM DDI 0439B (Cortex-M4 TRM) 3.3 Table 3-1 and 3.3.2 "Load/store timings";
M3 = ARM DDI 0337 chapter 18; M0 = ARM DDI 0432C Table 3-1; M33: the M4's figures.
P (pipeline refill) as the plugin documents: 1 after a direct branch, 2 after BX, 3 after
a load into PC on M3/M4/M33; 2 on M0."""
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tinydeploy.deploy.boards import load_board
from tinydeploy.deploy.cycle_model import plugin_arg, plugin_for, read_marks
from tinydeploy.deploy.qemu import symbol_address

from tflite_builder import fc_softmax_model

pytestmark = pytest.mark.qemu
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs/schema/profile.schema.json")
                    .read_text())

N = 100

# (name, body, cycles of N bodies, instructions per body). Labels: %= is unique per case.
M4_CASES = [
    # Table 3-1: LDR 2.
    ("ldr", "ldr r0, [r5]", N * 2, 1),
    # 3.3.2: "LDR R0,[R1,R5]; LDR R1,[R2]; LDR R2,[R3,#4] - normally four cycles total":
    # each load after a load whose result it does not address with costs 1.
    ("ldr x4 pipelined", "ldr r0, [r5]\n ldr r1, [r5, #4]\n ldr r2, [r5, #8]\n"
     " ldr r3, [r5, #12]", N * (2 + 1 + 1 + 1), 4),
    # 3.3.2: no pipelining when the first load's destination is the next one's index.
    ("ldr dependent", "ldr r0, [r5]\n ldr r1, [r5, r0]", N * (2 + 2), 2),
    # 3.3.2: an STR after an LDR pipelines (1); "nothing can be pipelined after the store"
    # (the LDR after it costs 2); STR with register offset is 2 otherwise (Table 3-1).
    ("ldr str ldr", "ldr r0, [r5]\n str r0, [r5, r6]\n ldr r1, [r5]", N * (2 + 1 + 2), 3),
    # 3.3.2: "STR Rx,[Ry,#imm] is always one cycle".
    ("str imm x2", "str r0, [r5]\n str r1, [r5, #4]", N * (1 + 1), 2),
    # 3.3.2: LDRD "requires three cycles", not pipelined with the next load (2).
    ("ldrd then ldr", "ldrd r0, r1, [r5]\n ldr r2, [r5, #8]", N * (3 + 2), 2),
    # Table 3-1: LDM 1+N, N = 4 registers.
    ("ldm 4", "ldm r5, {r0-r3}", N * (1 + 4), 1),
    # Table 3-1: PUSH 1+N, POP 1+N.
    ("push pop 4", "push {r0-r3}\n pop {r0-r3}", N * ((1 + 4) + (1 + 4)), 2),
    # Table 3-1: SMLAD 1 (single-cycle MAC).
    ("smlad x4", "smlad r0, r1, r2, r0\n" * 4, N * 4, 4),
    # Table 3-1: MLA 1, UMULL 1.
    ("mla umull", "mla r0, r1, r2, r0\n umull r0, r1, r2, r3", N * (1 + 1), 2),
    # Table 3-1: B 1+P, P = 1 (direct).
    ("taken branch", "b 1f\n 1:", N * (1 + 1), 1),
    # Table 3-1: BL 1+P (P = 1), BX 1+P (P = 2: a register target).
    ("call", "bl fn_ret", N * ((1 + 1) + (1 + 2)), 2),
    # BL 2; PUSH {r4, lr} 1+2; POP {r4, pc} 1+N+P = 1+2+3 (3.3.2: 3 cycles to reload).
    ("call pop pc", "bl fn_pop", N * (2 + (1 + 2) + (1 + 2 + 3)), 3),
    # IT block: CMP 1, IT 1 (not folded), LDRHI 2 while r4 > 50 (50 iterations), 1 when
    # its condition fails (the other 50).
    ("it ldr", "cmp r4, #50\n it hi\n ldrhi r0, [r5]", N * (1 + 1) + 50 * 2 + 50 * 1, 3),
    # 3.3.2: a load addressed by the result of the data processing just before it stalls
    # one cycle (no forwarding path): ADDS 1 + LDR 2 + 1; not so when the ALU result is
    # another register: ADDS 1 + LDR 2.
    ("agu stall", "adds r5, #0\n ldr r0, [r5]", N * (1 + 2 + 1), 2),
    ("no agu stall", "adds r1, #0\n ldr r0, [r5]", N * (1 + 2), 2),
    # Table 3-1: P depends on "the alignment and width of the target instruction": B to a
    # 32-bit LDR.W at a halfword address costs 1+P with P = 1 + 1; at a word address P = 1
    # (the NOP between is jumped over).
    ("b to unaligned wide", "b.n 1f\n 1: ldr.w r0, [r5]", N * ((1 + 2) + 2), 2),
    ("b to aligned wide", "b.n 1f\n nop\n 1: ldr.w r0, [r5]", N * ((1 + 1) + 2), 2),
]
M4_LOOP = dict(bx=1 + 2, b=1 + 1, bl=1 + 1, taken=1 + 1, not_taken=1)

# M3 (DDI 0337 Table 18-1): the M4's loads, stores and branches; MLA 2, UMULL 3-5 (the
# plugin takes the upper bound, 5); no DSP instructions.
M3_CASES = [c for c in M4_CASES if c[0] not in ("smlad x4", "mla umull")] + [
    ("mla umull", "mla r0, r1, r2, r0\n umull r0, r1, r2, r3", N * (2 + 5), 2),
]

# M0 (DDI 0432C Table 3-1): loads and stores 2, never pipelined; LDM/PUSH/POP 1+N;
# B taken 3; BL 4; BX 3; POP {.., pc} 3+N; MULS 1 (fast multiplier).
M0_CASES = [
    ("ldr", "ldr r0, [r5]", N * 2, 1),
    ("ldr x4", "ldr r0, [r5]\n ldr r1, [r5, #4]\n ldr r2, [r5, #8]\n ldr r3, [r5, #12]",
     N * 4 * 2, 4),
    ("str x2", "str r0, [r5]\n str r1, [r5, r6]", N * (2 + 2), 2),
    ("ldm 3", "mov r0, r5\n ldm r0!, {r1-r3}", N * (1 + (1 + 3)), 2),
    ("push pop 4", "push {r0-r3}\n pop {r0-r3}", N * ((1 + 4) + (1 + 4)), 2),
    ("muls", "muls r0, r1", N * 1, 1),
    ("taken branch", "b 1f\n 1:", N * 3, 1),
    ("call", "bl fn_ret", N * (4 + 3), 2),
    ("call pop pc", "bl fn_pop", N * (4 + (1 + 2) + (3 + 2)), 3),
]
M0_LOOP = dict(bx=3, b=3, bl=4, taken=3, not_taken=1)

CORES = {
    "mps2-an386": (M4_CASES, M4_LOOP),
    "mps2-an505": (M4_CASES, M4_LOOP),
    "mps2-an385": (M3_CASES, M4_LOOP),
    "microbit": (M0_CASES, M0_LOOP),
}

LINKER = "SECTIONS {{ . = {code:#x}; .text : {{ KEEP(*(.vectors)) *(.text*) }} }}\n"


def _program(cases, sp: int, ram: int) -> str:
    parts = [f"""    .syntax unified
    .thumb
    .section .vectors, "a"
    .word {sp:#x}
    .word _start
    .text
    .thumb_func
    .global _start
_start:
    ldr r5, ={ram:#x}
    movs r6, #4
"""]
    for _, body, _, _ in cases:
        parts.append(f"    movs r4, #{N}\n    bl td_mark\n    b.n 0f\n    .balign 4\n"
                     f"0:\n    {body}\n    subs r4, #1\n    bne 0b\n")
    parts.append("""    movs r4, #0
    bl td_mark
    movs r0, #0x18
    ldr r1, =0x20026
    bkpt 0xab
    .thumb_func
td_mark:
    bx lr
    .thumb_func
fn_ret:
    bx lr
    .thumb_func
fn_pop:
    push {r4, lr}
    pop {r4, pc}
    .ltorg
""")
    return "".join(parts)


@pytest.mark.parametrize("board_name", sorted(CORES))
def test_loops_cost_what_the_trm_says(board_name, tmp_path):
    board = load_board(board_name)
    cases, loop = CORES[board_name]
    src, ld, elf, log = (tmp_path / n for n in ("t.S", "t.ld", "t.elf", "cycles.log"))
    src.write_text(_program(cases, board.ram.origin + 0x4000, board.ram.origin))
    ld.write_text(LINKER.format(code=board.flash.origin))
    subprocess.run(["arm-none-eabi-gcc", f"-mcpu={board.core}", "-mthumb", "-nostdlib",
                    "-T", str(ld), "-o", str(elf), str(src)], check=True)
    plugin = plugin_arg(plugin_for(board.core), board.core, log,
                        symbol_address(elf, "td_mark"))
    r = subprocess.run(["qemu-system-arm", "-M", board.qemu_machine, "-display", "none",
                        "-monitor", "none", "-icount", "shift=0", "-semihosting-config",
                        "enable=on,target=native", "-plugin", plugin, "-kernel", str(elf)],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    marks = read_marks(log)
    assert len(marks) == len(cases) + 1
    got, want = {}, {}
    for (name, _, body_cycles, body_insns), a, b in zip(cases, marks, marks[1:]):
        # bx lr; b.n; the loop (SUBS 1 each time, BNE taken N-1 times); movs; bl td_mark
        want[name] = (loop["bx"] + loop["b"] + body_cycles + N * 1 + (N - 1) * loop["taken"]
                      + loop["not_taken"] + 1 + loop["bl"],
                      1 + 1 + N * (body_insns + 2) + 2)
        got[name] = (b[1] - a[1], b[0] - a[0])
    assert got == want


def test_m7_has_no_model_and_says_so():
    from tinydeploy.deploy.cycle_model import NO_MODEL
    assert plugin_for("cortex-m7") is None
    assert "dual issue" in NO_MODEL["cortex-m7"]


def _run_json(model, board: str, out) -> dict:
    r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "run", str(model), "--board",
                        board, "--runs", "3", "-o", str(out), "--json"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    prof = json.loads(r.stdout)["profile"]
    jsonschema.validate(prof, SCHEMA)
    return prof


def test_run_reports_cycles_per_inference_and_per_layer(tmp_path):
    """`run --json` on mps2-an386: estimated cycles beside the exact instructions, per
    inference and per layer, consistent with each other (no M4 instruction costs less than
    a cycle; the layers are part of the inference) and with the estimated time."""
    model = tmp_path / "fc.tflite"
    model.write_bytes(fc_softmax_model(in_features=256, classes=16, seed=3))
    prof = _run_json(model, "mps2-an386", tmp_path / "fw")
    cyc, insns = prof["cycles"], prof["latency"]["value"]
    assert cyc["note"] is None and "cortex-m4" in cyc["model"] and cyc["estimate"] is True
    assert insns <= cyc["value"] <= 3 * insns
    assert cyc["per_instruction"] == pytest.approx(cyc["value"] / insns, rel=0.01)
    assert cyc["time_us"] == pytest.approx(cyc["value"] / 25.0)       # 25 MHz
    layers = prof["per_layer"]
    assert [layer["op"] for layer in layers] == ["FULLY_CONNECTED", "SOFTMAX"]
    assert all(layer["cycles"] >= layer["time"] > 0 for layer in layers)
    assert sum(layer["cycles"] for layer in layers) <= cyc["value"]
    # the fully connected layer is loads and MACs: well over one cycle per instruction
    assert layers[0]["cycles"] > 1.2 * layers[0]["time"]


def test_run_on_the_m7_board_says_why_it_has_no_cycles(tmp_path):
    model = tmp_path / "fc.tflite"
    model.write_bytes(fc_softmax_model(in_features=32, classes=4, seed=3))
    prof = _run_json(model, "mps2-an500", tmp_path / "fw")
    assert prof["complete"] and prof["latency"]["value"] > 0
    assert prof["cycles"]["value"] is None and "dual issue" in prof["cycles"]["note"]
    assert all("cycles" not in layer for layer in prof["per_layer"])


def test_profile_with_the_cycle_log_of_a_flashed_qemu(tmp_path):
    """`flash` starts QEMU with the cycle model and prints its log; `profile --cycle-log`
    reports the estimate for that running device."""
    model = tmp_path / "fc.tflite"
    model.write_bytes(fc_softmax_model(in_features=64, classes=8, seed=5))
    cli = [sys.executable, "-m", "tinydeploy.cli"]
    build = tmp_path / "fw"
    subprocess.run([*cli, "build", str(model), "--board", "mps2-an386", "-o", str(build)],
                   check=True, capture_output=True, timeout=600)
    r = subprocess.run([*cli, "flash", str(build), "--json"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    fl = json.loads(r.stdout)
    try:
        assert Path(fl["cycle_log"]).is_file()
        r = subprocess.run([*cli, "profile", "--port", fl["url"], "--cycle-log",
                            fl["cycle_log"], "--runs", "2", "--json"],
                           capture_output=True, text=True, timeout=300)
    finally:
        subprocess.run([*cli, "flash", str(build), "--stop"], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    prof = json.loads(r.stdout)
    jsonschema.validate(prof, SCHEMA)
    assert prof["cycles"]["value"] >= prof["latency"]["value"] > 0
    assert all(layer["cycles"] >= layer["time"] for layer in prof["per_layer"])


def test_the_plugin_counts_each_executed_instruction_once_over_long_windows(tmp_path):
    """Under -icount QEMU abandons a block at a device access (the SysTick reads) and re-runs
    it up to that access: the plugin's instruction count over 1, 5 and 20 timed runs stays
    within the device counter's two-tick resolution of the device's exact count."""
    from tinydeploy.deploy.build import build_firmware
    from tinydeploy.deploy.qemu import start_qemu
    from tinydeploy.measure.cycles import CycleLog
    from tinydeploy.measure.dut import Dut
    model = tmp_path / "fc.tflite"
    model.write_bytes(fc_softmax_model(in_features=256, classes=16, seed=3))
    board = load_board("mps2-an386")
    r = build_firmware(model, board, tmp_path / "fw")
    tick = 1e9 / board.systick_hz
    with start_qemu(board, r["elf"], cycles=True) as q:
        dut = Dut.open(q.url, timeout=60.0)
        try:
            dut.wait_ready(30.0)
            dut.load(bytes(256))
            log = CycleLog(q.cycle_log)
            for n in (1, 5, 20):
                dut.infer(n, 0, timeout=120.0)
                log.infer(n, 0, 2)
                device = dut.timing()["window_counter"]
                assert log.error is None
                assert abs(log.windows[-1].instructions - device) <= 2 * tick, (n, device)
        finally:
            dut.close()
