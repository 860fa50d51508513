"""`export` takes only the kernels a model calls: for every kernel td_kernels.h declares,
the files export's closure picks link on their own (nothing undefined), and a kernel's
closure leaves the other kernels out."""
import os
import re
import subprocess

import pytest

from tinydeploy.compiler.codegen import COMMON_CFLAGS
from tinydeploy.compiler.hostrun import kernel_objects
from tinydeploy.deploy.export import kernel_closure
from tinydeploy.resources import data_dir

pytestmark = pytest.mark.host_c

KERNELS_H = data_dir("firmware") / "kernels" / "td_kernels.h"
DECLARED = sorted(set(re.findall(r"^void (td_\w+)\(", KERNELS_H.read_text(), re.M)))


def test_every_declared_kernel_links_from_its_closure_alone(tmp_path):
    assert len(DECLARED) > 30
    cc = os.environ.get("CC", "cc")
    objs = {p.stem: p for p in kernel_objects(cc, list(COMMON_CFLAGS))}
    for fn in DECLARED:
        files = kernel_closure({fn})
        assert "td_kernels.h" in files
        sources = [f for f in files if f.endswith(".c")]
        main = tmp_path / "main.c"
        main.write_text(f"extern void {fn}(void);\n"
                        f"int main(void) {{ void (*volatile f)(void) = {fn}; return f == 0; }}\n")
        r = subprocess.run([cc, "-o", str(tmp_path / "a.out"), str(main),
                            *(str(objs[f[:-2]]) for f in sources)],
                           capture_output=True, text=True)
        assert r.returncode == 0, f"{fn}: {sources}: {r.stderr[-800:]}"


def test_a_model_gets_only_what_it_calls():
    files = kernel_closure({"td_softmax_s8"})
    assert "td_softmax_s8.c" in files and "td_conv2d_s8.c" not in files
    assert len([f for f in files if f.endswith(".c")]) <= 3
