"""The generated model as a library: its symbols prefixed, its arena where the application
wants it.

Contract: `library_model(model_files, name, core, arena, section)` takes codegen's
{model/td_model*.[ch]: text} and returns {model/<name>*.[ch]: text} (the TFLite flatbuffer
array left out) plus model/<name>_version.h, which the header includes. With name
"td_model" the names are codegen's own; otherwise every external symbol and header macro of
the model is renamed (td_model* -> <name>*, TD_MODEL* -> <NAME>*, td_l<k>_* ->
<name>_l<k>_*, the tensor/layer info types, the TD_PROFILE_LAYERS hook) so two models link
into one image; the kernels keep their td_ names (shared code, compiled once per image).
Text inside C string literals is never renamed.
Arena modes: "static" (codegen's), "section" (the static arena in a named linker section),
"extern" (the application passes a buffer to <name>_set_arena before the first invoke).
"""
from __future__ import annotations

import re

from .. import __version__
from ..compiler.params import KERNELS_VERSION
from ..errors import TinyDeployError

ARENA_MODES = ("static", "extern")
ARENA_ALIGN = 16             # the static arena's alignment (TD_ALIGNED(16) in td_model.c)
DEFAULT_NAME = "td_model"
# Target names CMake reserves (policy CMP0037) and make's special words.
_RESERVED = {"all", "clean", "help", "install", "package", "package_source", "test",
             "edit_cache", "rebuild_cache", "depend", "preinstall", "list_install_components"}

_C_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SECTION = re.compile(r"\.?[A-Za-z_][A-Za-z0-9_.$]*\Z")
# A string literal (skipped), or a model symbol to rename.
_TOKEN = re.compile(r'"(?:\\.|[^"\\\n])*"|\b(td_model|TD_MODEL|td_l(?=\d+(?:o\d+)?_\w)|'
                    r'td_tensor_info_t\b|td_layer_info_t\b|td_profile_layer_end\b)')
_ARENA_DECL = "static int8_t td_arena[TD_MODEL_ARENA_BYTES] TD_ALIGNED(16);"
# A parameter block holding a scratch pointer into the arena: `.field = (void *)TD_SCRATCH_Lx,`
_SCRATCH_FIELD = re.compile(r"^    \.(\w+) = \(void \*\)(TD_SCRATCH_L\w+),$", re.M)
_PARAM_BLOCK = re.compile(r"^static const (\w+) (\w+) = \{\n(.*?)^\};$", re.M | re.S)
_HEADER_END = "#ifdef __cplusplus\n}\n#endif\n\n#endif"


def check_name(name: str) -> str:
    """`name` if it is a C identifier that does not start with td_ (kept for the kernels);
    a one-line error otherwise."""
    if not _C_IDENT.match(name) or len(name) > 40:
        raise TinyDeployError(f"--name {name!r} is not a C identifier (letters, digits and _, "
                              "not starting with a digit, at most 40 characters)")
    if name != DEFAULT_NAME and (name.lower() == "td"
                                 or name.lower().startswith(("td_", "tinydeploy"))):
        raise TinyDeployError(f"--name {name!r}: the td_ and tinydeploy prefixes are the "
                              "kernels'; choose another")
    if name.lower() in _RESERVED:
        raise TinyDeployError(f"--name {name!r} is a name CMake or make reserves; choose another")
    return name


def check_section(section: str) -> str:
    """`section` if it is a linker section name (.name); a one-line error otherwise."""
    if not _SECTION.match(section) or len(section) > 64:
        raise TinyDeployError(f"--arena-section {section!r} is not a linker section name "
                              "(such as .dtcm_bss)")
    return section


def _rename(text: str, name: str) -> str:
    upper = name.upper()
    repl = {"td_model": name, "TD_MODEL": upper, "td_l": f"{name}_l",
            "td_tensor_info_t": f"{name}_tensor_info_t",
            "td_layer_info_t": f"{name}_layer_info_t",
            "td_profile_layer_end": f"{name}_profile_layer_end"}
    text = text.replace('#include "td_model', f'#include "{name}')   # a literal, but a name
    return _TOKEN.sub(lambda m: repl[m.group(1)] if m.group(1) else m.group(0), text)


def _section_arena(c_text: str, section: str) -> str:
    return c_text.replace(_ARENA_DECL, _ARENA_DECL[:-1] +
                          f' __attribute__((section("{section}")));')


def _extern_arena(c_text: str) -> str:
    """The arena as a pointer set at start-up. Initializers that took arena addresses as
    constants (the input/output tables, scratch pointers in parameter blocks) are filled in
    at run time instead: the tables become locals, the scratch pointers are set by
    set_arena."""
    patches: list[str] = []

    def block(m: re.Match) -> str:
        ptype, pname, body = m.groups()
        fields = _SCRATCH_FIELD.findall(body)
        if not fields:
            return m.group(0)
        patches.extend(f"    {pname}.{f} = (void *){macro};" for f, macro in fields)
        body = _SCRATCH_FIELD.sub(lambda f: f"    .{f.group(1)} = NULL,", body)
        return f"static {ptype} {pname} = {{\n{body}}};"

    text = _PARAM_BLOCK.sub(block, c_text)
    text = text.replace("    static int8_t *const ptrs[", "    int8_t *const ptrs[")
    text = text.replace("    return (index >= 0 && index < ",   # NULL until an arena is set
                        "    return (td_arena != NULL && index >= 0 && index < ")
    setter = "\n".join([
        "#include <stdint.h>",
        "",
        "static int8_t *td_arena;",
        "static void td_model_set_scratch(void);",
        "",
        "int td_model_set_arena(void *p, size_t n) {",
        "    if (p == NULL || (uintptr_t)p % TD_MODEL_ARENA_ALIGN != 0u) {",
        "        return TD_MODEL_ARENA_MISALIGNED;",
        "    }",
        "    if (n < TD_MODEL_ARENA_BYTES) {",
        "        return TD_MODEL_ARENA_TOO_SMALL;",
        "    }",
        "    td_arena = (int8_t *)p;",
        "    td_model_set_scratch();",
        "    return TD_MODEL_ARENA_OK;",
        "}"])
    text = text.replace(_ARENA_DECL, setter)
    text = text.replace("void td_model_invoke(void) {\n",
                        "static void td_model_set_scratch(void) {\n" + "\n".join(patches) +
                        ("\n" if patches else "") + "}\n\n"
                        "void td_model_invoke(void) {\n"
                        "    if (td_arena == NULL) {\n        return;   /* no arena set */\n"
                        "    }\n")
    return text


_EXTERN_API = f"""#include <stddef.h>

/* The arena is the application's: call td_model_set_arena() before the first invoke with
 * at least TD_MODEL_ARENA_BYTES bytes aligned to TD_MODEL_ARENA_ALIGN. Several models that
 * never run at the same time may share one buffer (sized by the largest); a model's
 * tensors are not kept across another model's invoke. Returns TD_MODEL_ARENA_OK, or an
 * error code and keeps the previous arena. Until one is set, invoke does nothing and
 * input/output return NULL. */
#define TD_MODEL_ARENA_ALIGN {ARENA_ALIGN}u
#define TD_MODEL_ARENA_OK 0
#define TD_MODEL_ARENA_TOO_SMALL (-1)
#define TD_MODEL_ARENA_MISALIGNED (-2)
int td_model_set_arena(void *p, size_t n);

"""


def _version_header(core: str, arena: str) -> str:
    return (f"/* Generated by tinydeploy export: what these files were generated for. */\n"
            f"#ifndef TD_MODEL_VERSION_H\n#define TD_MODEL_VERSION_H\n\n"
            f'#define TD_MODEL_TINYDEPLOY_VERSION "{__version__}"\n'
            f"/* td_kernels.h's TD_KERNELS_VERSION the model needs (checked when it compiles) */\n"
            f"#define TD_MODEL_KERNELS_VERSION {KERNELS_VERSION}\n"
            f'#define TD_MODEL_CORE "{core}"\n'
            f'#define TD_MODEL_ARENA_MODE "{arena}"\n\n#endif\n')


def library_model(model_files: dict[str, str], name: str, core: str, arena: str = "static",
                  section: str | None = None) -> dict[str, str]:
    """The model's C as a library (see module docstring)."""
    files = {p: t for p, t in model_files.items() if "td_model_tflite" not in p}
    c_text, h_text = files["model/td_model.c"], files["model/td_model.h"]
    if _ARENA_DECL not in c_text or _HEADER_END not in h_text:
        raise AssertionError("codegen's arena declaration or header end changed: "
                             "update deploy/export_model.py")
    if section:
        c_text = _section_arena(c_text, section)
    if arena == "extern":
        c_text = _extern_arena(c_text)
        h_text = h_text.replace(_HEADER_END, _EXTERN_API + _HEADER_END)
    h_text = h_text.replace("#include <stdint.h>\n",
                            '#include <stdint.h>\n#include "td_model_version.h"\n', 1)
    files["model/td_model.c"], files["model/td_model.h"] = c_text, h_text
    files["model/td_model_version.h"] = _version_header(core, arena)
    if name == DEFAULT_NAME:
        return files
    return {_rename(p, name): _rename(t, name) for p, t in files.items()}
