"""The shipped demo outputs and the generated docs and schemas are golden files: ``make regen``
rewrites them, and these tests fail when one is stale.

* the demo write-up (``reports/issue_1.md``, its files manifest and ``figures/issue_1/*``) is
  re-rendered from the shipped ``eval_results/issue_1/run_result.json`` and narrative into
  ``tmp_path`` by the command ``make regen`` runs, and compared byte for byte: the renderer
  is deterministic (``tests/report/test_determinism.py``: PNG and PDF without timestamps);
* ``schemas/*.json``, ``docs/rules.md`` and ``docs/verify-codes.md`` are compared with what
  their generators produce.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.reference import REPO

pytestmark = pytest.mark.slow  # renders a whole write-up first


#: the render line of ``make regen`` (run from the repository root): the demo's issue and the
#: repository its config names (``configs/demo.yaml`` experiment.repo)
RENDER = ["report", "render", "--issue", "1", "--repo", "example/persona-research",
          "--overwrite"]
INPUTS = ["eval_results/issue_1/run_result.json", "reports/issue_1.narrative.md"]
DEMO_OUTPUTS = ["reports/issue_1.md", "reports/issue_1.md.files.json", "figures/issue_1"]


def _files(root: Path) -> dict[str, bytes]:
    """The demo's output files under ``root`` (relative path -> bytes)."""
    out = {}
    for rel in DEMO_OUTPUTS:
        path = root / rel
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        out.update({p.relative_to(root).as_posix(): p.read_bytes() for p in found if p.exists()})
    return out


def stale(shipped_root: Path, expected: dict[str, bytes]) -> list[str]:
    """The golden files under ``shipped_root`` that differ from ``expected``, are missing, or
    are not expected at all."""
    shipped = _files(shipped_root)
    return sorted(rel for rel in set(shipped) | set(expected)
                  if shipped.get(rel) != expected.get(rel))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, bytes]:
    """The demo write-up rendered as ``make regen`` does, into an empty copy of its inputs."""
    from personageo.cli.main import main

    root = tmp_path_factory.mktemp("regen")
    for rel in INPUTS:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / rel, root / rel)
    assert main([*RENDER, "--root", str(root)]) == 0
    return _files(root)


def test_demo_report_figures_and_manifest_are_current(rendered):
    assert len([r for r in rendered if r.endswith(".png")]) == 3
    assert stale(REPO, rendered) == [], "stale demo outputs: run `make regen`"


@pytest.mark.parametrize("edit", ["body", "figure", "manifest", "extra", "missing"])
def test_a_stale_golden_file_is_named(rendered, tmp_path, edit):
    for rel, data in _files(REPO).items():  # a copy of what is shipped, then one change
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    target = {"body": "reports/issue_1.md", "figure": "figures/issue_1/hero.json",
              "manifest": "reports/issue_1.md.files.json", "extra": "figures/issue_1/old.png",
              "missing": "figures/issue_1/ratio_by_layer.pdf"}[edit]
    path = tmp_path / target
    if edit == "missing":
        path.unlink()
    elif edit == "extra":
        path.write_bytes(b"left over")
    else:
        text = path.read_text(encoding="utf-8")
        digit = next(c for c in text if c.isdigit() and c != "9")
        path.write_text(text.replace(digit, str(int(digit) + 1), 1), encoding="utf-8")
    assert stale(tmp_path, rendered) == [target]


def _generated() -> dict[str, str]:
    from personageo.config._load import config_schema_text
    from personageo.lint.docs import render_rules_markdown
    from personageo.schema import json_schema_text
    from personageo.verify.docs import codes_markdown

    return {"schemas/run_result.schema.json": json_schema_text(),
            "schemas/experiment_config.schema.json": config_schema_text(),
            "docs/rules.md": render_rules_markdown(), "docs/verify-codes.md": codes_markdown()}


@pytest.mark.parametrize("rel", list(_generated()))
def test_generated_docs_and_schemas_are_current(rel):
    assert (REPO / rel).read_text(encoding="utf-8") == _generated()[rel], (
        f"{rel} is stale: run `make regen`")


def test_make_regen_writes_every_golden_file_with_these_commands():
    recipe = (REPO / "Makefile").read_text(encoding="utf-8").split("\nregen:")[1]
    recipe = recipe.split("\n\n")[0]
    assert f"personageo {' '.join(RENDER)} --root ." in recipe
    for line in ("personageo schema -o schemas/run_result.schema.json",
                 "personageo schema --config -o schemas/experiment_config.schema.json",
                 "-m personageo.lint.docs", "-m personageo.verify.docs"):
        assert line in recipe
