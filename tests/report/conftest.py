"""Fixtures for the renderer tests: a research-repo layout holding the toy run
(``tests.builders.toy``) and issue 238 rendered from the reference material."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.builders import toy

NARRATIVE_238 = Path(__file__).parent / "data" / "issue_238.narrative.md"
FAKE_SHA = "189a247" + "0" * 33


@pytest.fixture
def toy_root(tmp_path) -> Path:
    """A research repo layout with eval_results/issue_7/run_result.json."""
    target = tmp_path / "eval_results" / "issue_7" / "run_result.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(toy(), indent=2), encoding="utf-8")
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (to show that nothing was written)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def render_238(root: Path, r238: Path, r205: Path, **kw):
    """Issue 238 (``r238``, the reference file) rendered against its baseline ``r205``."""
    from personageo.report import PublishTarget, render

    opts = dict(issue=238, root=root, results=r238, baseline=r205, narrative=NARRATIVE_238,
                repo="acme/research", commit=FAKE_SHA)
    opts.update(kw)
    return render(PublishTarget(**opts))


@pytest.fixture(scope="session")
def rendered_238(tmp_path_factory, r238, r205):
    """Issue 238 rendered in memory (legacy import + issue 205 as baseline + narrative)."""
    return render_238(tmp_path_factory.mktemp("root238"), r238, r205)
