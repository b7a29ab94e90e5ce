"""Body, figures and sidecar of one render are committed as a set: orphan temporaries of a
killed run are removed by the next run, and a set left half-replaced is detected (PG226)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from personageo.files import sha256_file
from personageo.lint.engine import LintOptions, lint_file
from personageo.report import PublishTarget, render_report
from personageo.schema.fileset import check_set, manifest_path
from tests.builders import toy
from tests.report.conftest import FAKE_SHA

REPO = Path(__file__).resolve().parents[2]


def _opts(root):
    return PublishTarget(issue=7, root=root, repo="acme/research", commit=FAKE_SHA)


def _results(root: Path, variant: int) -> Path:
    doc = toy()
    for w in doc["weight_norms"]:
        w["global_l2"] += variant  # another figure, same text
    path = root / "eval_results" / "issue_7" / "run_result.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _tmp_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.tmp"))


def test_render_writes_a_manifest_and_cleans_orphans(tmp_path):
    _results(tmp_path, 0)
    orphan = tmp_path / "reports" / ".issue_7.md.k1ll3d.tmp"
    orphan.parent.mkdir()
    orphan.write_text("half", encoding="utf-8")
    fig_orphan = tmp_path / "figures" / "issue_7" / ".hero.png.x.tmp"
    fig_orphan.parent.mkdir(parents=True)
    fig_orphan.write_bytes(b"half")
    rendered = render_report(_opts(tmp_path), overwrite=True)
    assert _tmp_files(tmp_path) == []
    manifest = json.loads(manifest_path(rendered.body_path).read_text())
    assert set(manifest["files"]) >= {"issue_7.md", "../figures/issue_7/hero.png"}
    assert manifest["files"]["issue_7.md"] == sha256_file(rendered.body_path)
    assert check_set(rendered.body_path) == []


def test_a_commit_interrupted_between_renames_is_detected_and_repaired(tmp_path, monkeypatch):
    _results(tmp_path, 0)
    body = render_report(_opts(tmp_path), overwrite=True).body_path
    _results(tmp_path, 5)
    real, calls = os.replace, []

    def dies_after_two(src, dst):
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")  # like a kill: nothing after this runs
        calls.append(dst)
        return real(src, dst)

    monkeypatch.setattr(os, "replace", dies_after_two)
    with pytest.raises(KeyboardInterrupt):
        render_report(_opts(tmp_path), overwrite=True)
    monkeypatch.setattr(os, "replace", real)
    problems = check_set(body)
    assert problems and all("differs" in p for p in problems)
    outcome = lint_file(body, LintOptions(select=("PG226",))).outcome("PG226")
    assert outcome.status == "FAIL"
    render_report(_opts(tmp_path), overwrite=True)
    assert check_set(body) == [] and _tmp_files(tmp_path) == []


def _start(root: Path, command: str) -> subprocess.Popen:
    args = {"render": ["report", "render", "--overwrite"], "update": ["report", "update"]}[command]
    return subprocess.Popen(
        [sys.executable, "-m", "personageo.cli.main", *args, "--issue", "7", "--root", str(root),
         "--repo", "acme/research", "--commit", FAKE_SHA],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _consistent(body: Path) -> bool:
    """The invariant after any kill: either the manifest vouches for the companions on disk
    and for this very body, or a reader is told the set is broken."""
    problems = check_set(body)
    if problems is None:
        return not body.exists()
    if problems:
        return True  # detected (PG226 fails), not silently mixed
    manifest = json.loads(manifest_path(body).read_text())
    return manifest["files"].get(body.name) == sha256_file(body)


@pytest.mark.parametrize("command", ["render", "update"])
def test_sigkill_leaves_a_consistent_or_detected_set(tmp_path, command):
    _results(tmp_path, 0)
    render_report(_opts(tmp_path), overwrite=True)
    body = tmp_path / "reports" / "issue_7.md"
    start = time.monotonic()
    proc = _start(tmp_path, "render")
    assert proc.wait(timeout=600) == 0, proc.stderr.read().decode()
    full = time.monotonic() - start
    for i, fraction in enumerate((0.6, 0.8, 0.9, 0.97, 1.02)):
        _results(tmp_path, i + 1)  # each run writes different figures
        proc = _start(tmp_path, command)
        time.sleep(full * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=600)
        assert _consistent(body), (fraction, check_set(body))
    proc = _start(tmp_path, command)
    assert proc.wait(timeout=600) == 0, proc.stderr.read().decode()
    assert check_set(body) == [] and _tmp_files(tmp_path) == []


def test_figures_only_render_leaves_the_manifest_and_is_reported_until_the_body_follows(
        tmp_path):
    _results(tmp_path, 0)
    body = render_report(_opts(tmp_path), overwrite=True).body_path
    manifest = manifest_path(body).read_bytes()
    _results(tmp_path, 3)
    render_report(_opts(tmp_path), overwrite=True, figures_only=True)
    assert manifest_path(body).read_bytes() == manifest
    assert any("differs" in p for p in check_set(body))
    render_report(_opts(tmp_path), overwrite=True)
    assert check_set(body) == []
