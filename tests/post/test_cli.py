"""The click commands, run as ``personageo report ...`` against the fake server."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from personageo.cli import report_post
from personageo.cli.main import main
from personageo.report.post import CLEAN_RESULT_MARKER, ORIGINAL_BODY_MARKER
from personageo.report.post_comments import LINT_MARKER

from .test_post import WRITEUP


def run(fake, capsys, *args: str) -> tuple[int, str, str]:
    argv = [args[0], "--repo", fake.full_name, "--issue", "7", "--api-url", fake.api_url,
            *args[1:]]
    code = main(["report", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def body_file(tmp_path, text=WRITEUP):
    p = tmp_path / "issue_7.md"
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_dry_run_prints_diff_and_calls_and_writes_nothing(cli_env, capsys, tmp_path):
    code, out, _ = run(cli_env, capsys, "post", body_file(tmp_path), "--dry-run", "--diff",
                       "--set-title", "--claim", "Full SFT collapses geometry")
    assert code == 0
    assert "--- acme/research#7 (current body)" in out
    assert f"+{CLEAN_RESULT_MARKER}" in out and "-Plan: fine-tune Qwen" in out
    assert "(MODERATE confidence)" in out  # title change shown, level from the body
    assert "would make 3 write call(s):" in out
    assert "POST /repos/acme/research/issues/7/comments" in out
    assert "PATCH /repos/acme/research/issues/7  — set body and title" in out
    assert cli_env.requests and all(r.method == "GET" for r in cli_env.requests)
    assert cli_env.issues[7]["body"].startswith("Plan:")


def test_dry_run_reads_anonymously_without_a_token(cli_env, capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    cli_env.allow_anonymous_reads = True
    code, out, err = run(cli_env, capsys, "post", body_file(tmp_path), "--dry-run", "--diff")
    assert code == 0 and "anonymously" in err and "would make" in out
    assert all(r.authorization is None and r.method == "GET" for r in cli_env.requests)


def test_dry_run_is_offline_by_default(cli_env, capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")  # no token and no request: local files only
    code, out, err = run(cli_env, capsys, "post", body_file(tmp_path), "--dry-run",
                         "--set-title", "--claim", "Full SFT collapses geometry")
    assert code == 0, err
    assert cli_env.requests == []
    assert f"would post {tmp_path / 'issue_7.md'} to acme/research#7" in out
    assert "'Full SFT collapses geometry (MODERATE confidence)'" in out
    assert "labels: clean-results:draft" in out and "nothing read from or written" in out
    code, out, _ = run(cli_env, capsys, "post", body_file(tmp_path), "--dry-run",
                       "--format", "json")
    data = json.loads(out)
    assert data["offline"] is True and data["chars"] == len(CLEAN_RESULT_MARKER) + 1 + len(
        (tmp_path / "issue_7.md").read_text())
    assert cli_env.requests == []


def test_repo_defaults_to_the_origin_remote(cli_env, capsys, tmp_path, monkeypatch):
    import shutil

    import pytest

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin",
                    "git@github.com:acme/research.git"], check=True)
    monkeypatch.chdir(tmp_path)
    code = main(["report", "post", body_file(tmp_path), "--issue", "7", "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "to acme/research#7" in out
    monkeypatch.chdir(tmp_path.parent)
    code = main(["report", "post", body_file(tmp_path), "--issue", "7", "--dry-run"])
    assert code == 2 and "--repo OWNER/NAME" in capsys.readouterr().err


def test_post_then_repost(cli_env, capsys, tmp_path):
    path = body_file(tmp_path)
    code, out, _ = run(cli_env, capsys, "post", path)
    assert code == 0 and "posted to" in out
    assert cli_env.issues[7]["body"].startswith(CLEAN_RESULT_MARKER)
    n = len(cli_env.writes())
    code, out, _ = run(cli_env, capsys, "post", path, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["changed"] is False and data["calls"] == []
    assert len(cli_env.writes()) == n


def test_lint_errors_block_posting_before_any_request(cli_env, capsys, tmp_path, monkeypatch):
    errors = ["issue_7.md:12:40: PG101 0.112 contradicts /cells/M1_A_L20/delta = 0.111",
              "issue_7.md:3:1: PG201 missing section 'AI Summary'"]
    monkeypatch.setattr("personageo.cli.report_post.lint_error_lines", lambda body, results: errors)
    code, out, err = run(cli_env, capsys, "post", body_file(tmp_path))
    assert code == 1
    assert "refusing to post" in err and all(e in err for e in errors) and "--force" in err
    assert cli_env.requests == []
    code, out, err = run(cli_env, capsys, "post", body_file(tmp_path), "--force")
    assert code == 0 and "posting despite 2 lint error(s)" in err
    assert cli_env.issues[7]["body"].startswith(CLEAN_RESULT_MARKER)


def test_lint_gate_finds_the_results_and_refuses_unchecked_numbers(tmp_path):
    """Without --results the gate finds them as `personageo lint` does; a body whose numbers
    cannot be checked is a gate error (posting it needs --force)."""
    from personageo.cli.report_post import lint_error_lines

    repo = Path(__file__).resolve().parents[2]
    assert lint_error_lines(repo / "reports" / "issue_1.md", ()) == []
    lonely = tmp_path / "issue_1.md"
    lonely.write_bytes((repo / "reports" / "issue_1.md").read_bytes())
    (line,) = lint_error_lines(lonely, ())
    assert "numbers not checked" in line and "no results file given or found" in line


def test_too_long_body_exits_2_before_any_request(cli_env, capsys, tmp_path):
    code, _, err = run(cli_env, capsys, "post", body_file(tmp_path, "y" * 70_000))
    assert code == 2 and "at most 65,536" in err
    assert cli_env.requests == []


def test_missing_token_is_a_usage_error(cli_env, capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    code, _, err = run(cli_env, capsys, "post", body_file(tmp_path))
    assert code == 2 and "$GITHUB_TOKEN or $GH_TOKEN" in err
    code, _, err = run(cli_env, capsys, "post", body_file(tmp_path), "--token-env", "CI_TOKEN")
    assert code == 2 and "$CI_TOKEN is not set" in err
    assert cli_env.requests == []


def test_token_env_names_the_variable(cli_env, capsys, tmp_path, monkeypatch, token):
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("CI_TOKEN", token)
    code, _, _ = run(cli_env, capsys, "post", body_file(tmp_path), "--token-env", "CI_TOKEN")
    assert code == 0 and cli_env.requests[0].authorization == f"token {token}"


def test_http_errors_exit_2_with_a_clear_message(cli_env, capsys, tmp_path):
    code, _, err = run(cli_env, capsys, "post", body_file(tmp_path), "--issue", "99")
    assert code == 2 and "not found (404)" in err and "hint:" in err
    assert "Traceback" not in err


def test_fetch_issue_and_lint_comment_steps(cli_env, capsys, tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("PG101 FAIL 1 contradicted number\n")
    code, _, _ = run(cli_env, capsys, "fetch-issue", "--body-out", str(tmp_path / "b.md"),
                     "--front-matter-out", str(tmp_path / "fm.md"))
    assert code == 0 and (tmp_path / "b.md").read_text().startswith("Plan:")
    for _ in range(3):
        code, out, _ = run(cli_env, capsys, "lint-comment", "--report", str(report),
                           "--exit-code", "1", "--body", str(tmp_path / "b.md"))
        assert code == 0
    assert "lint comment unchanged" in out
    (lint,) = [c for c in cli_env.comments_of(7) if c["body"].startswith(LINT_MARKER)]
    assert "FAIL" in lint["body"] and "PG101" in lint["body"]


def test_ci_steps_are_visible_subcommands_of_report():
    proc = subprocess.run([sys.executable, "-m", "personageo.cli.main", "report", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    listed = proc.stdout.split("Commands:", 1)[1]
    for name in ("render", "update", "preview", "post", "fetch-issue", "lint-comment"):
        assert f"  {name} " in listed
    for name, option in (("fetch-issue", "--body-out"), ("lint-comment", "--exit-code")):
        proc = subprocess.run([sys.executable, "-m", "personageo.cli.main", "report", name,
                               "--help"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and option in proc.stdout


def test_the_hidden_second_root_is_gone():
    proc = subprocess.run([sys.executable, "-m", "personageo.cli.report_post", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert "fetch-issue" not in proc.stdout


def test_original_comment_is_created_once_through_the_cli(cli_env, capsys, tmp_path):
    path = body_file(tmp_path)
    for _ in range(3):
        assert run(cli_env, capsys, "post", path)[0] == 0
    kept = [c for c in cli_env.comments_of(7) if c["body"].startswith(ORIGINAL_BODY_MARKER)]
    assert len(kept) == 1


def test_interactive_terminal_asks_before_writing(cli_env, capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(report_post, "_interactive", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    code, out, _ = run(cli_env, capsys, "post", body_file(tmp_path))
    assert code == 1 and "would make 3 write call(s)" in out and "make these 3 call(s)" in out
    assert cli_env.writes() == []
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    code, out, _ = run(cli_env, capsys, "post", body_file(tmp_path))
    assert code == 0 and cli_env.issues[7]["body"].startswith(CLEAN_RESULT_MARKER)
    code, out, _ = run(cli_env, capsys, "post", body_file(tmp_path), "--yes")
    assert code == 0 and "nothing written" in out  # nothing to confirm the second time


def test_reachable_as_personageo_report_post(cli_env, capsys, tmp_path):
    argv = ["report", "post", body_file(tmp_path), "--repo", cli_env.full_name, "--issue", "7",
            "--api-url", cli_env.api_url, "--dry-run", "--diff"]
    code = main(argv)
    out, _ = capsys.readouterr()
    assert code == 0 and "would make 3 write call(s)" in out
    assert all(r.method == "GET" for r in cli_env.requests)
    code = main(argv[:2] + ["--repo", cli_env.full_name, "--issue", "7", "--api-url",
                            cli_env.api_url, str(tmp_path / "missing.md")])
    assert code == 2 and "write-up not found" in capsys.readouterr().err
