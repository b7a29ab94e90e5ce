"""The package's shape: imports flow one way, and the core imports without torch.

Layers (a package may import only itself and the packages listed for it):

    cli -> pipeline -> {train, extract} -> modeling
    cli -> {report, lint, verify, analysis} -> stats -> schema -> {findings, markdown} -> leaf helpers

``findings`` (the one Finding model and code registry) and ``markdown`` (the one parse of a body)
sit at the bottom beside each other: each imports only leaf helpers. ``report`` and ``lint`` share
only ``schema``, ``findings``, ``markdown`` and ``numfmt``; nothing in the core imports a GPU
stage. Every import counts, including the lazy ones inside functions.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "personageo"

LEAF = {"errors", "files", "numfmt", "_version", "yaml_safe", "limits", "_resources",
        "annotations"}
DATA = {"schema", "config", "activations", "inputs"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(), "files": {"errors"}, "numfmt": set(), "_version": set(),
    "yaml_safe": {"errors"}, "limits": set(), "_resources": set(), "annotations": set(),
    "findings": {"errors", "annotations"},
    "markdown": LEAF,
    "schema": LEAF | {"findings", "markdown"},
    "config": LEAF,
    "activations": LEAF,
    "inputs": LEAF,
    "stats": LEAF | {"schema"},
    "analysis": LEAF | DATA | {"stats"},
    "verify": LEAF | {"schema", "stats", "inputs", "findings", "markdown"},
    "report": LEAF | {"schema", "stats", "findings", "markdown"},
    "lint": LEAF | {"schema", "findings", "markdown"},
    "modeling": LEAF | {"config"},
    "train": LEAF | DATA | {"modeling"},
    "extract": LEAF | DATA | {"modeling"},
    "pipeline": LEAF | DATA | {"analysis", "report", "lint", "train", "extract", "stats",
                               "modeling", "markdown"},
    "cli": None,  # may import anything
    "__init__": {"_version"},
}


def _package_of(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "personageo":
                if len(parts) > 1:
                    out.add(parts[1])
                else:  # `from personageo import __version__` is the version module
                    out.update("_version" if a.name == "__version__" else a.name
                               for a in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "personageo" and len(parts) > 1:
                    out.add(parts[1])
    return out


SOURCES = sorted(p for p in PKG.rglob("*.py") if "templates" not in p.parts)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_flow_one_way(path):
    pkg = _package_of(path)
    assert pkg in ALLOWED, f"new top-level module {pkg!r}: give it a layer in this test"
    allowed = ALLOWED[pkg]
    if allowed is None:
        return
    bad = sorted(i for i in _imports(path) - {pkg} if i not in allowed)
    assert not bad, f"{path.relative_to(PKG)} ({pkg}) imports {bad}; allowed: {sorted(allowed)}"


def test_findings_is_the_one_model_of_the_checkers():
    """``findings`` imports none of the packages above it, and every checker reports through it
    (lint, verify and the schema's semantic checks import it; none defines a finding type of its
    own)."""
    used_by = {_package_of(p) for p in SOURCES if "findings" in _imports(p)} - {"findings"}
    assert {"lint", "verify", "schema"} <= used_by, used_by
    own = [str(p.relative_to(PKG)) for p in SOURCES if _package_of(p) in ("lint", "verify", "schema")
           for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
           if isinstance(node, ast.ClassDef) and node.name in ("Violation", "Issue", "Finding",
                                                                "NumberFinding")]
    assert not own, f"finding types outside personageo/findings: {own}"


def _builds_a_markdown_parser(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "markdown_it" and any(
                a.name == "MarkdownIt" for a in node.names):
            return True
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) \
                else None
            if name == "MarkdownIt":
                return True
    return False


def test_markdown_is_parsed_only_in_the_markdown_layer():
    """One markdown-it configuration: no module outside ``personageo/markdown/`` builds one."""
    builders = {str(p.relative_to(PKG)) for p in SOURCES if _builds_a_markdown_parser(p)}
    outside = sorted(b for b in builders if not b.startswith("markdown/"))
    assert not outside, f"MarkdownIt built outside personageo/markdown/: {outside}"
    assert "markdown/_tokens.py" in builders  # the check itself sees the one that exists


CORE_COMMANDS = ["--help", "schema", "analyze --help", "verify --help", "lint --help",
                 "report --help"]


def test_core_imports_and_commands_without_torch():
    """With torch (and every GPU package) unimportable, the core and its CLI still work."""
    code = (
        "import sys\n"
        "for m in ('torch', 'transformers', 'deepspeed', 'peft', 'vllm', 'accelerate'):\n"
        "    sys.modules[m] = None\n"
        "import importlib, pkgutil, personageo\n"
        "core = ['markdown', 'schema', 'stats', 'analysis', 'verify', 'report', 'lint', 'config',\n"
        "        'activations', 'inputs', 'numfmt', 'files', 'errors', 'pipeline', 'modeling',\n"
        "        'findings',\n"
        "        'train', 'extract']\n"
        "for name in core:\n"
        "    importlib.import_module('personageo.' + name)\n"
        "from personageo.cli.main import main\n"
        f"for args in {CORE_COMMANDS!r}:\n"
        "    try:\n"
        "        rc = main(args.split())\n"
        "    except SystemExit as e:\n"
        "        rc = e.code\n"
        "    assert rc in (0, None), (args, rc)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]


def test_help_does_not_import_heavy_modules():
    code = ("import sys\nfrom personageo.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('torch', 'transformers', 'matplotlib', 'pandas', 'scipy')"
            " if m in sys.modules]\nprint(heavy)\nassert not heavy, heavy\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr[-2000:]
