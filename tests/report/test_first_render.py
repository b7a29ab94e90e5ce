"""A new user's first render: the shipped issue-238 results and their issue-205 baseline in a
fresh research repository, no narrative written yet. ``report render --issue 238`` succeeds in
one call, and the body lints clean but for what only the researcher can supply (a link to the
full data, quoted sample outputs): the generated text itself raises no finding."""

from __future__ import annotations

import json
import shutil

import pytest

from personageo.cli.main import main
from tests.report.gitrepo import research_repo


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_render_without_narrative_lints_clean_but_for_human_content(tmp_path, capsys,
                                                                      monkeypatch,
                                                                      reference_dir):
    root = tmp_path / "research"
    for issue in (238, 205):
        target = root / "eval_results" / f"issue_{issue}" / "run_result.json"
        target.parent.mkdir(parents=True)
        shutil.copyfile(reference_dir / f"issue_{issue}" / "run_result.json", target)
    research_repo(root)
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    assert main(["report", "render", "--issue", "238",
                 "--baseline", "eval_results/issue_205/run_result.json"]) == 0
    capsys.readouterr()
    assert main(["lint", "reports/issue_238.md", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert sorted((f["rule"], f["severity"]) for f in findings) == [
        ("PG213", "error"), ("PG215", "error")], findings
