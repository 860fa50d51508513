"""`export` for Arduino, PlatformIO and Zephyr. Their frameworks are not installed here, so
the layouts are checked against their specifications (library.properties, library.json,
module.yml); the Arduino example sketch is compiled as C++ with arm-none-eabi-g++ for the
nano33's core against a minimal Arduino.h of the test's own and linked with the library; the
Zephyr module's CMakeLists.txt is built on the host with stand-ins for the zephyr_*
functions, its libraries linked whole as Zephyr links them, two models bit-exact."""
import json
import re
import subprocess
import zipfile

import pytest
import yaml

from tinydeploy.deploy.boards import load_board
from tinydeploy.deploy.toolchain import cpu_flags

from export_checks import MAIN_C, cmake, export, inputs, model_paths, run_and_check

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

# library.properties (Arduino library specification 1.5): required fields, categories
ARDUINO_FIELDS = {"name", "version", "author", "maintainer", "sentence", "paragraph",
                  "category", "url", "architectures"}
ARDUINO_CATEGORIES = {"Display", "Communication", "Signal Input/Output", "Sensors",
                      "Device Control", "Timing", "Data Storage", "Data Processing", "Other"}
SEMVER = re.compile(r"\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?\Z")

ARDUINO_H = """#pragma once
#include <stdint.h>
struct SerialStub {
    void begin(unsigned long) {}
    void print(int) {}
    void print(char) {}
    void println() {}
    void println(const char *) {}
};
extern SerialStub Serial;
void delay(unsigned long ms);
"""
ARDUINO_MAIN = """#include <Arduino.h>
SerialStub Serial;
void delay(unsigned long) {}
void setup();
void loop();
int main() { setup(); loop(); return 0; }
"""


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return model_paths(tmp_path_factory.mktemp("models"))


def _properties(text):
    return dict(line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")


def test_arduino_zip_layout_and_example_compiles_for_nano33(models, tmp_path):
    dirs = export(models, tmp_path, "arduino", names=("fc", "kws_v2"))
    zpath = dirs["fc"] / "fc.zip"
    again = export(models, tmp_path / "again", "arduino", names=("fc", "kws_v2"))
    assert (again["fc"] / "fc.zip").read_bytes() == zpath.read_bytes()     # reproducible
    with zipfile.ZipFile(zpath) as z:
        names = z.namelist()
        assert {n.split("/")[0] for n in names} == {"fc"}    # one folder: "Add .ZIP Library"
        z.extractall(tmp_path / "unzipped")
    lib = tmp_path / "unzipped" / "fc"
    for n in names:   # the zip holds the folder written beside it
        assert (dirs["fc"] / n).read_bytes() == (tmp_path / "unzipped" / n).read_bytes()
    props = _properties((lib / "library.properties").read_text())
    assert ARDUINO_FIELDS <= set(props), ARDUINO_FIELDS - set(props)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.-]*", props["name"])
    assert SEMVER.match(props["version"]) and props["category"] in ARDUINO_CATEGORIES
    assert (lib / "src" / props["includes"]).exists()
    assert not [p for p in (lib / "src").iterdir() if p.is_dir()]     # flat: one include dir
    sketch = lib / "examples" / "fc_demo" / "fc_demo.ino"               # folder = sketch name
    assert sketch.exists()
    # The sketch as the Arduino builder compiles it: C++ for the nano33's Cortex-M4F, the
    # library's C files with gcc; linked (by gcc: this machine has no Arm libstdc++, and
    # the sketch needs none) with a main that calls setup() and loop().
    board = load_board("nano33")
    flags = [*cpu_flags(board.core, board.fpu), "-O2", "-Wall", "-Werror"]
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "Arduino.h").write_text(ARDUINO_H)
    (stub / "main.cpp").write_text(ARDUINO_MAIN)
    objs = []
    for src in [sketch, stub / "main.cpp", *sorted((lib / "src").glob("*.c"))]:
        obj = tmp_path / (src.name + ".o")
        cc = "arm-none-eabi-gcc" if src.suffix == ".c" else "arm-none-eabi-g++"
        # C++ as Arduino cores compile it: no exceptions, no RTTI (no libstdc++ needed)
        lang = [] if src.suffix == ".c" else ["-x", "c++", "-fno-exceptions", "-fno-rtti"]
        r = subprocess.run([cc, *flags, *lang, f"-I{stub}", f"-I{lib / 'src'}", "-c", str(src),
                            "-o", str(obj)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-3000:]
        objs.append(str(obj))
    r = subprocess.run(["arm-none-eabi-gcc", *flags, "--specs=nosys.specs", *objs, "-o",
                        str(tmp_path / "sketch.elf")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]


def test_platformio_library_json(models, tmp_path):
    d = export(models, tmp_path, "platformio", names=("fc", "kws_v2"))["conv"]
    manifest = json.loads((d / "library.json").read_text())
    # library.json: name, version and description are required
    assert re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", manifest["name"])
    assert manifest["name"] == "kws-v2" and len(manifest["name"]) <= 50
    assert SEMVER.match(manifest["version"]) and len(manifest["description"]) <= 255
    build = manifest["build"]
    assert (d / build["srcDir"] / manifest["headers"]).exists()
    assert (d / build["includeDir"]).is_dir() and "-ffp-contract=off" in build["flags"]
    assert (d / "examples" / "demo" / "demo.ino").exists()


# Stand-ins for the zephyr_* CMake functions the module uses (Zephyr's extensions.cmake
# semantics: a library named, then sources, options, include dirs added to it), and
# Zephyr's whole-archive link of every zephyr library.
ZEPHYR_APP = """cmake_minimum_required(VERSION 3.13)
project(app C)
set(ZEPHYR_LIBS "" CACHE INTERNAL "")
add_library(zephyr_interface INTERFACE)
macro(zephyr_library_named name)
  add_library(${{name}} STATIC)
  set(ZEPHYR_CURRENT_LIBRARY ${{name}})
  set(ZEPHYR_LIBS ${{ZEPHYR_LIBS}} ${{name}} CACHE INTERNAL "")
endmacro()
macro(zephyr_library_sources)
  target_sources(${{ZEPHYR_CURRENT_LIBRARY}} PRIVATE ${{ARGN}})
endmacro()
macro(zephyr_library_include_directories)
  target_include_directories(${{ZEPHYR_CURRENT_LIBRARY}} PRIVATE ${{ARGN}})
endmacro()
macro(zephyr_library_compile_options)
  target_compile_options(${{ZEPHYR_CURRENT_LIBRARY}} PRIVATE ${{ARGN}})
endmacro()
macro(zephyr_include_directories)
  target_include_directories(zephyr_interface INTERFACE ${{ARGN}})
endmacro()
set(CONFIG_TINYDEPLOY_FC y)
set(CONFIG_TINYDEPLOY_CONV y)
add_subdirectory({fc}/{fc_cmake} fc)
add_subdirectory({conv}/{conv_cmake} conv)
add_executable(app main.c)
target_link_libraries(app PRIVATE zephyr_interface
                      -Wl,--whole-archive ${{ZEPHYR_LIBS}} -Wl,--no-whole-archive)
"""


def test_zephyr_module_layout_and_build_with_stand_ins(models, tmp_path):
    dirs = export(models, tmp_path, "zephyr")
    cmake_dirs = {}
    for key, d in dirs.items():
        module = yaml.safe_load((d / "zephyr" / "module.yml").read_text())
        assert module["name"] == key
        cmake_dirs[key] = module["build"]["cmake"]
        assert (d / cmake_dirs[key] / "CMakeLists.txt").exists()
        kconfig = (d / module["build"]["kconfig"]).read_text()
        assert f"config TINYDEPLOY_{key.upper()}\n\tbool " in kconfig
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.c").write_text(MAIN_C)
    (app / "CMakeLists.txt").write_text(ZEPHYR_APP.format(
        fc=dirs["fc"], conv=dirs["conv"], fc_cmake=cmake_dirs["fc"],
        conv_cmake=cmake_dirs["conv"]))
    # td_fixedpoint.c is in both modules: linked whole twice it would be a duplicate symbol
    cmake(app, tmp_path / "build")
    run_and_check(tmp_path / "build" / "app", models, inputs(models))
