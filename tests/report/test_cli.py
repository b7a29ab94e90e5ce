"""``personageo report render``: exit codes and written files."""

from __future__ import annotations

from personageo.cli.main import main
from tests.report.conftest import FAKE_SHA


def test_render_writes_body_and_figures_the_body_carries_its_bindings(toy_root, capsys):
    code = main(["report", "render", "--issue", "7", "--root", str(toy_root), "--repo", "a/b",
                 "--commit", FAKE_SHA])
    assert code == 0
    body = (toy_root / "reports" / "issue_7.md").read_text()
    assert "<!-- personageo:bindings v1 " in body and "<!--pg:" in body
    assert not (toy_root / "reports" / "issue_7.claims.json").exists()  # no sidecar file
    assert (toy_root / "figures" / "issue_7" / "hero.pdf").is_file()
    assert "numbers bound" in capsys.readouterr().out


def test_unknown_issue_exits_2_with_a_message(toy_root, capsys):
    code = main(["report", "render", "--issue", "8", "--root", str(toy_root), "--repo", "a/b",
                 "--commit", FAKE_SHA])
    assert code == 2
    assert "unknown issue 8" in capsys.readouterr().err


def test_rendered_toy_body_passes_lint(toy_root, capsys):
    """The v2 body of a run with samples lints clean: 0 errors, every number bound."""
    assert main(["report", "render", "--issue", "7", "--root", str(toy_root), "--repo", "a/b",
                 "--commit", FAKE_SHA]) == 0
    capsys.readouterr()
    body = toy_root / "reports" / "issue_7.md"
    code = main(["lint", str(body), "--results",
                 str(toy_root / "eval_results" / "issue_7" / "run_result.json"), "--issue", "7",
                 "--strict"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 unbound" in out
