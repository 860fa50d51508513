"""The host build compiles the kernels once per compiler and flag set in a process and links
those objects into every model: a second model with the same flags reuses them, other flags
(the emulated DSP loops, the sanitizers) get their own."""
import os

import pytest

from tinydeploy.compiler.codegen import COMMON_CFLAGS
from tinydeploy.compiler.hostrun import kernel_objects, kernel_sources

pytestmark = pytest.mark.host_c


def test_one_object_per_kernel_compiled_once_per_flag_set():
    cc = os.environ.get("CC", "cc")
    scalar = kernel_objects(cc, list(COMMON_CFLAGS))
    assert [o.stem for o in scalar] == [s.stem for s in kernel_sources()]
    assert all(o.is_file() and o.stat().st_size > 0 for o in scalar)
    mtimes = [o.stat().st_mtime_ns for o in scalar]
    again = kernel_objects(cc, list(COMMON_CFLAGS))
    assert again == scalar and [o.stat().st_mtime_ns for o in again] == mtimes   # not rebuilt
    simd = kernel_objects(cc, [*COMMON_CFLAGS, "-DTD_SIMD_EMULATE=1"])
    assert simd[0].parent != scalar[0].parent
    # the emulated DSP loops are other code: at least one kernel object differs
    assert any(a.read_bytes() != b.read_bytes() for a, b in zip(scalar, simd))
