"""Dependencies point one way: every import under tinydeploy/ (module-level and inside
functions, relative and absolute) is read with `ast` and mapped to its subpackage; each
subpackage may import only the layers below it that LAYERS allows, the subpackages form no
cycle, and no private (leading underscore) name is imported across subpackages."""
import ast
from pathlib import Path

import pytest

import tinydeploy

pytestmark = pytest.mark.unit

PKG = Path(tinydeploy.__file__).resolve().parent
BASE = "base"   # the top-level modules (errors, writer, resources, data, __init__) and progress/

# Lowest first: a layer may import only the layers listed for it (and itself).
LAYERS = {
    # errors, file writing, package data, data loading, progress lines: need nothing.
    BASE: set(),
    # .tflite -> IR -> lowered program -> C, host runs: the core everything else uses.
    "compiler": {BASE},
    # boards, projects, builds, flash runners, QEMU, the cost model's estimate: a Compiled in.
    "deploy": {BASE, "compiler"},
    # talks to a running device (serial, profile, energy, cost calibration) built by deploy.
    "measure": {BASE, "compiler", "deploy"},
    # TensorFlow side: optimize, distill, convert; scores its int8 models with the compiler
    # (host run) and estimates their flash (deploy/fit.py).
    "train": {BASE, "compiler", "deploy"},
    # the HTML report reads what the others wrote (models, boards, build folders, the fit);
    # it never trains or runs a device.
    "report": {BASE, "compiler", "deploy"},
    # trials train, convert, estimate and check in QEMU: uses every layer below it.
    "search": {BASE, "compiler", "deploy", "measure", "train"},
    # the Click commands: a thin layer over all of the above.
    "cli": {BASE, "compiler", "deploy", "measure", "train", "report", "search"},
}


def _layer(module: str) -> str:
    """tinydeploy.compiler.lower.conv -> compiler; tinydeploy.errors -> base."""
    parts = module.split(".")
    assert parts[0] == "tinydeploy", module
    if len(parts) == 1 or not (PKG / parts[1]).is_dir() or parts[1] == "progress":
        return BASE
    return parts[1]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """(imported module, [names imported from it], line, local name bound to the module or
    None) for every tinydeploy import in the file."""
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "tinydeploy":
                    yield a.name, [], node.lineno, a.asname
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "tinydeploy":
                continue
            for a in node.names:
                sub = f"{mod}.{a.name}"
                if _is_package(mod) and _is_module(sub):   # `from ..deploy import runners`
                    yield sub, [], node.lineno, a.asname or a.name
                else:
                    yield mod, [a.name], node.lineno, None


def _is_module(name: str) -> bool:
    p = PKG.parent.joinpath(*name.split("."))
    return p.with_suffix(".py").is_file() or (p / "__init__.py").is_file()


def _is_package(name: str) -> bool:
    return (PKG.parent.joinpath(*name.split(".")) / "__init__.py").is_file()


def _edges():
    for path in sorted(PKG.rglob("*.py")):
        src = _layer(_module_name(path))
        for mod, names, line, _ in _imports(path):
            yield src, _layer(mod), mod, names, f"{path.relative_to(PKG.parent)}:{line}"


def test_every_subpackage_has_a_layer():
    found = {_layer(_module_name(p)) for p in PKG.rglob("*.py")}
    assert found == set(LAYERS), "add the new subpackage to LAYERS, with its reason"


def test_each_layer_imports_only_what_it_may():
    bad = [f"{where}: {src} imports {mod} ({dst})" for src, dst, mod, _, where in _edges()
           if dst != src and dst not in LAYERS[src]]
    assert not bad, "imports that point up or sideways:\n" + "\n".join(bad)


def test_layers_form_no_cycle():
    graph = {}
    for src, dst, *_ in _edges():
        if src != dst:
            graph.setdefault(src, set()).add(dst)
    done, path = set(), []

    def visit(n):
        if n in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(n):] + [n]))
        if n in done:
            return
        path.append(n)
        for m in sorted(graph.get(n, ())):
            visit(m)
        path.pop()
        done.add(n)

    for n in sorted(graph):
        visit(n)


def test_allowed_table_has_no_cycle():
    order = list(LAYERS)
    for i, layer in enumerate(order):
        assert LAYERS[layer] <= set(order[:i]), f"{layer} may import a layer above it"


def test_no_private_name_crosses_subpackages():
    bad = [f"{where}: {src} imports {n} from {mod}" for src, dst, mod, names, where in _edges()
           if dst != src for n in names if n.startswith("_") and not n.startswith("__")]
    bad += [f"{where}: {mod} (a private module) imported from {src}"
            for src, dst, mod, _, where in _edges()
            if dst != src and any(p.startswith("_") and not p.startswith("__")
                                  for p in mod.split("."))]
    assert not bad, "\n".join(bad)


def test_no_private_attribute_of_another_subpackage():
    """`from ..deploy import runners` then `runners._detect(...)` crosses as well."""
    bad = []
    for path in sorted(PKG.rglob("*.py")):
        src = _layer(_module_name(path))
        foreign = {bound for mod, _, _, bound in _imports(path)
                   if bound and _layer(mod) != src}
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in foreign and node.attr.startswith("_") \
                    and not node.attr.startswith("__"):
                bad.append(f"{path.relative_to(PKG.parent)}:{node.lineno}: "
                           f"{node.value.id}.{node.attr}")
    assert not bad, "\n".join(bad)
