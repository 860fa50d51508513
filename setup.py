"""Copy templates/, firmware/ and boards/ into wheels as tinydeploy/_data (see resources.py).
Everything else is in pyproject.toml. Editable installs read them from the checkout."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_DIRS = ("templates", "firmware", "boards")


class BuildPyWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        for name in DATA_DIRS:
            dst = Path(self.build_lib) / "tinydeploy" / "_data" / name
            if dst.exists():
                shutil.rmtree(dst)
            shutil.copytree(root / name, dst)


setup(cmdclass={"build_py": BuildPyWithData})
