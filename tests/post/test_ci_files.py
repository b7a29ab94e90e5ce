"""action.yml, the example workflow and the pre-commit hook: shape, and the action's shell steps
run for real (bash, the installed CLI) against the local fake GitHub."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from personageo.cli.report import command as report_group
from personageo.report.post_comments import LINT_MARKER

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
WORKFLOW = yaml.safe_load((ROOT / ".github/workflows/clean-result-lint.yml").read_text())
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def step(name_part: str) -> dict:
    return next(s for s in ACTION["runs"]["steps"] if name_part in s.get("name", ""))


def test_action_is_composite_and_inputs_are_declared():
    assert ACTION["runs"]["using"] == "composite"
    used = set()
    for s in ACTION["runs"]["steps"]:
        text = yaml.safe_dump(s)
        used |= set(re.findall(r"inputs\.([a-z-]+)", text))
        if "run" in s:
            assert s["shell"] == "bash"
            assert "${{" not in s["run"]  # inputs reach scripts through env only
    assert used <= set(ACTION["inputs"])


def test_action_uses_only_existing_commands_and_options():
    group = report_group
    ctx = click.Context(group)
    seen = []
    for s in ACTION["runs"]["steps"]:
        script = s.get("run", "").replace("\\\n", " ")
        for m in re.finditer(r"personageo report ([a-z-]+)([^\n]*)", script):
            seen.append(m.group(1))
            cmd = group.get_command(ctx, m.group(1))
            assert cmd is not None, f"personageo report has no subcommand {m.group(1)}"
            opts = {o for p in cmd.params if isinstance(p, click.Option) for o in p.opts}
            for opt in re.findall(r"(--[a-z-]+)", m.group(2)):
                assert opt in opts, f"{m.group(1)} has no option {opt}"
    assert seen == ["fetch-issue", "lint-comment"]
    from personageo.cli.lint import command as lint
    lint_opts = {o for p in lint.params if isinstance(p, click.Option) for o in p.opts}
    for opt in re.findall(r"personageo lint [^\n]*?(--[a-z-]+)", step("Lint")["run"]):
        assert opt in lint_opts


def test_workflow_triggers_on_issue_open_and_edit_one_run_per_issue():
    on = WORKFLOW.get("on", WORKFLOW.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"opened", "edited"} <= set(on["issues"]["types"])
    assert WORKFLOW["permissions"]["issues"] == "write"
    assert "github.event.issue.number" in WORKFLOW["concurrency"]["group"]
    (job,) = WORKFLOW["jobs"].values()
    assert any(s.get("uses") == "./" for s in job["steps"])
    assert "personageo:clean-result v1" in job["if"]


def test_pre_commit_hook_runs_personageo_lint_on_reports():
    (hook,) = HOOKS
    assert hook["id"] == "personageo-lint" and hook["language"] == "python"
    assert "personageo lint" in hook["entry"]
    assert re.search(hook["files"], "reports/issue_238.md")
    assert not re.search(hook["files"], "README.md")
    # narrative files are the renderer's input, not bodies
    assert re.search(hook["exclude"], "reports/issue_238.narrative.md")
    assert not re.search(hook["exclude"], "reports/issue_238.md")
    # no --results: lint finds each body's results (a hook without them checked no number)
    assert "--results" not in hook["entry"] and "--structure-only" not in hook["entry"]


@pytest.mark.skipif(sys.platform == "win32", reason="bash steps")
def test_pre_commit_entry_lints_every_file_in_one_run_and_fails_if_any_fails(tmp_path):
    """pre-commit appends the files to ``entry``: the real CLI lints them all, with a summary,
    and exits non-zero when one fails or could not be checked."""
    reports = tmp_path / "reports"
    reports.mkdir()
    fixtures = ROOT / "tests" / "lint" / "fixtures"
    (reports / "a.md").write_bytes((fixtures / "v2_good.md").read_bytes())
    (reports / "bad.md").write_text("# nothing of a clean result\n\nJust text.\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "personageo.cli.main", *shlex.split(hook_entry_args()),
            "reports/a.md", "reports/bad.md"]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Clean-result lint — PASS: reports/a.md" in proc.stdout
    assert "Clean-result lint — FAIL: reports/bad.md" in proc.stdout
    assert "Total: 2 bodies — 1 passed, 1 failed" in proc.stdout


def hook_entry_args() -> str:
    """The hook's arguments after the ``personageo`` executable."""
    (hook,) = HOOKS
    return hook["entry"].split("personageo", 1)[1]


def _run_step(s: dict, inputs: dict, outputs: dict, env: dict) -> subprocess.CompletedProcess:
    def expand(value: str) -> str:
        value = re.sub(r"\$\{\{\s*inputs\.([a-z-]+)\s*\}\}", lambda m: inputs[m.group(1)], value)
        return re.sub(r"\$\{\{\s*steps\.lint\.outputs\.([a-z-]+)\s*\}\}",
                      lambda m: outputs.get(m.group(1), ""), value)
    step_env = {**env, **{k: expand(str(v)) for k, v in (s.get("env") or {}).items()}}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s["run"]],
                          env=step_env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="bash steps")
def test_action_steps_keep_one_lint_comment(fake, token, tmp_path):
    """Fetch -> lint -> comment, twice (an edit in between): still one marked comment."""
    bin_dir = Path(sys.executable).parent
    stub = tmp_path / "bin" / "personageo"  # the linter's own CLI is tested by its helper;
    stub.parent.mkdir()  # `personageo report ...` (fetch-issue, lint-comment) runs for real
    stub.write_text(f'#!/bin/sh\nif [ "$1" = report ]; then exec {sys.executable} -m '
                    'personageo.cli.main "$@"; fi\nfor a; do last=$a; done\n'
                    'if grep -q BROKEN "$2"; then echo "PG201 FAIL ($last)"; exit 1; fi\n'
                    'echo "all checks pass ($last)"\n')
    stub.chmod(0o755)
    outputs_file = tmp_path / "github_output"
    env = {**os.environ, "PATH": f"{stub.parent}:{bin_dir}:{os.environ['PATH']}",
           "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(outputs_file),
           "PYTHONPATH": str(ROOT)}
    inputs = {"token": token, "repo": fake.full_name, "issue": "7", "api-url": fake.api_url,
              "results": "", "lint-args": "--strict"}
    fake.issues[7]["body"] = "BROKEN body\n"
    for expected in ("PG201 FAIL (text)", "all checks pass (text)"):
        outputs_file.write_text("")
        for name in ("Fetch", "Lint", "Update the lint comment"):
            outputs = dict(line.split("=", 1) for line in outputs_file.read_text().split())
            proc = _run_step(step(name), inputs, outputs, env)
            assert proc.returncode == 0, proc.stderr
            assert token not in proc.stdout + proc.stderr
        (comment,) = [c for c in fake.comments_of(7) if c["body"].startswith(LINT_MARKER)]
        assert expected in comment["body"]
        fake.issues[7]["body"] = "fixed body\n"
    assert "exit-code=0" in outputs_file.read_text()
