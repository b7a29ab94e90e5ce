"""``python -m personageo.lint.docs`` / ``personageo.verify.docs``: ``--help`` explains and writes
nothing (it once wrote a file named ``--help``); a path argument is where the document goes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.reference import REPO


@pytest.mark.slow  # six interpreters
@pytest.mark.parametrize("module, heading", [("personageo.lint.docs", "# "),
                                             ("personageo.verify.docs", "# personageo verify")])
def test_help_writes_nothing_and_a_path_is_written(tmp_path, module, heading):
    def run(*args):
        return subprocess.run([sys.executable, "-m", module, *args], cwd=tmp_path,
                              env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
                              capture_output=True, text=True, timeout=300)

    shown = run("--help")
    assert shown.returncode == 0 and f"usage: python -m {module}" in shown.stdout
    assert list(tmp_path.iterdir()) == []
    made = run("out.md")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "out.md").read_text(encoding="utf-8").startswith(heading)
    assert run("a.md", "b.md").returncode == 2  # one path at most: a usage error
