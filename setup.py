"""Build hook: copy the top-level ``templates/``, ``schemas/`` and ``data/`` folders into the
built package as real files (the project's metadata is in ``pyproject.toml``)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = {"templates": ("**/*.j2", "README.md"), "schemas": ("*.json",),
           "data": ("*.json", "*.jsonl", "sft/*.jsonl", "sft/README.md")}


class BuildPyWithData(build_py):
    """``build_py`` that also copies the shipped folders into ``<build_lib>/personageo/``."""

    def run(self):
        super().run()
        for folder, patterns in SHIPPED.items():
            source = HERE / folder
            for pattern in patterns:
                for path in sorted(source.glob(pattern)):
                    if path.is_file() and not path.is_symlink():
                        target = Path(self.build_lib) / "personageo" / folder / \
                            path.relative_to(source)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(path, target)


setup(cmdclass={"build_py": BuildPyWithData})
