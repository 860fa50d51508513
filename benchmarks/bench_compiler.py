"""Compiler benchmark: planned arena vs TFLite Micro's, weights, generated code size.

Usage: python benchmarks/bench_compiler.py MODEL.tflite [MODEL.tflite ...]

For each model prints: MACs; planned arena bytes and TFLite Micro's arena (total and the
tensor part, from tflite_micro's RecordingMicroAllocator on this host); weight bytes in the
.tflite; and the Cortex-M4 (-O2, arm-none-eabi-gcc) size of the generated model linked with
--gc-sections: constants (weights, biases, requantization tables), parameter blocks, and
code (kernels actually used + td_model_invoke).
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from tinydeploy.compiler.cnames import symbol_kind  # noqa: E402
from tinydeploy.compiler.codegen import generate  # noqa: E402
from tinydeploy.compiler.compiled import compile_model  # noqa: E402
from tinydeploy.compiler.hostrun import kernel_sources  # noqa: E402
from tinydeploy.deploy.toolchain import COMMON_CFLAGS, cpu_flags  # noqa: E402
from tinydeploy.resources import data_dir  # noqa: E402
from tinydeploy.writer import write_files  # noqa: E402

from oracle import tflm_arena_bytes  # noqa: E402

M4 = cpu_flags("cortex-m4", fpu=True)


def m4_sizes(program, pl, work: Path) -> dict:
    write_files(generate(program, pl, None), work)
    elf = work / "model.elf"
    cmd = ["arm-none-eabi-gcc", *M4, *COMMON_CFLAGS, "-Wl,--gc-sections", "-nostartfiles",
           "--specs=nosys.specs", "-Wl,-e,td_model_invoke", f"-I{work / 'model'}",
           f"-I{data_dir('firmware') / 'kernels'}", "-o", str(elf),
           *map(str, (work / "model").glob("*.c")), *map(str, kernel_sources()), "-lm"]
    subprocess.run(cmd, check=True, capture_output=True)
    nm = subprocess.run(["arm-none-eabi-nm", "-S", "--size-sort", str(elf)],
                        check=True, capture_output=True, text=True).stdout
    sizes = {"constants": 0, "params": 0, "code": 0, "arena": 0}
    for line in nm.splitlines():
        parts = line.split()
        if len(parts) != 4:
            continue
        size, kind, name = int(parts[1], 16), parts[2].lower(), parts[3]
        if name == "td_arena":
            sizes["arena"] += size
        elif symbol_kind(name) == "params":
            sizes["params"] += size
        elif symbol_kind(name) == "const" or name in ("td_model_layers",):
            sizes["constants"] += size
        elif kind == "t":
            sizes["code"] += size
    return sizes


def main(paths: list[str]) -> None:
    rows = []
    for path in paths:
        c = compile_model(path)
        program, pl = c.program, c.plan
        tflm = tflm_arena_bytes(Path(path))
        with tempfile.TemporaryDirectory() as d:
            sz = m4_sizes(program, pl, Path(d))
        rows.append((Path(path).stem, program.macs, pl.arena_bytes, tflm["total"], tflm["head"],
                     program.weight_bytes, sz["constants"], sz["params"], sz["code"]))
    head = ("model", "MACs", "arena", "TFLM arena", "TFLM tensors", "weights",
            "M4 consts", "M4 params", "M4 code")
    print("  ".join(f"{h:>12}" for h in head))
    for r in rows:
        print("  ".join(f"{v:>12,}" if isinstance(v, int) else f"{v:>12}" for v in r))
    print("\narena: tinydeploy's planned arena (all activations). TFLM arena: TFLite Micro's "
          "total arena use on this host;\nTFLM tensors: its tensor (head) part. M4 sizes in "
          "bytes, arm-none-eabi-gcc -O2 Cortex-M4F, --gc-sections.")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
