"""``personageo report post`` and the two CI steps ``report fetch-issue`` and ``report lint-comment``.

``command`` is the ``post`` subcommand; ``fetch_issue_command`` and ``lint_comment_command`` are
the steps ``action.yml`` runs around ``personageo lint``. All three are subcommands of the
``report`` group (:mod:`personageo.cli.report`).

On an interactive terminal ``post`` shows the diff and the calls and asks before writing
(``--yes`` skips the question; CI, with no terminal, is never asked). ``--dry-run`` only shows.
The API token is read from ``$GITHUB_TOKEN`` / ``$GH_TOKEN`` or from the variable named by
``--token-env``; it is never a flag value, never printed, and redacted from logs and errors.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from personageo.cli._params import ISSUE, REPO
from personageo.errors import PersonageoError
from personageo.files import read_bytes
from personageo.report import post as post_mod
from personageo.report.github_client import (
    DEFAULT_API_URL,
    REDACTING_FILTER,
    GitHubClient,
    RetryPolicy,
    resolve_token,
)
from personageo.report.target import PublishTarget

#: extra keyword arguments for :class:`GitHubClient` (tests inject ``sleep``, ``throttle``)
CLIENT_OPTIONS: dict = {}


def _client(repo: str, api_url: str, token_env: str | None, max_wait: float,
            anonymous_ok: bool = False) -> GitHubClient:
    try:
        token: str | None = resolve_token(token_env)
    except PersonageoError:
        if not anonymous_ok or token_env:
            raise
        token = None
        click.echo("note: no token found; reading the issue anonymously", err=True)
    return GitHubClient(repo, token, api_url=api_url,
                        retry=RetryPolicy(max_wait=max_wait), **CLIENT_OPTIONS)


class _StderrHandler(logging.Handler):
    """Log records to the current stderr through click (so redirections are honoured)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(self.format(record), err=True)


def _setup_logging(verbose: bool) -> None:
    logger = logging.getLogger("personageo")
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        handler.addFilter(REDACTING_FILTER)
        logger.addHandler(handler)


def _repo_or_remote(ctx, param, value: str | None) -> str:
    """``--repo``, else ``OWNER/NAME`` of the current repository's GitHub origin remote."""
    from personageo.report._git import owner_repo

    return "/".join(owner_repo(Path.cwd(), value))


def _api_options(fn):
    """--repo, --issue, --api-url, --token-env, --max-wait, --verbose."""
    options = [
        click.option("--repo", envvar="GITHUB_REPOSITORY", metavar="OWNER/NAME",
                     type=REPO, callback=_repo_or_remote,
                     help="Repository of the issue [env GITHUB_REPOSITORY; default: the "
                          "GitHub origin remote of the current git repository]."),
        click.option("--issue", "number", type=ISSUE, required=True,
                     help="Issue number."),
        click.option("--api-url", envvar="GITHUB_API_URL", default=DEFAULT_API_URL,
                     show_default=True,
                     help="REST API root; GitHub Enterprise: https://HOST/api/v3 "
                          "[env GITHUB_API_URL]."),
        click.option("--token-env", metavar="NAME",
                     help="Name of the environment variable holding the token "
                          "(default: GITHUB_TOKEN, then GH_TOKEN)."),
        click.option("--max-wait", type=click.FloatRange(min=0), default=120.0,
                     show_default=True, help="Longest rate-limit wait, in seconds."),
        click.option("-v", "--verbose", is_flag=True,
                     help="Log each API call to stderr (never the token)."),
    ]
    for opt in reversed(options):
        fn = opt(fn)
    return fn


def lint_error_lines(body_path: Path, results: Sequence[Path]) -> list[str]:
    """Error-severity lint findings for ``body_path`` checked against ``results`` (none given:
    found as ``personageo lint`` finds them); a body whose numbers could not be checked is one
    error too (posting it unchecked needs ``--force``).

    The ONE place where posting calls the linter; tests monkeypatch it. It calls the lint
    stage that ``personageo lint BODY --results ...`` calls
    (:func:`personageo.pipeline.stages.lint`), with the ``[tool.personageo.lint]`` overrides
    found above BODY; title, issue and labels come from the write-up's front matter.

    Raises
    ------
    PersonageoError
        When the linter cannot be imported (post with ``--force`` to skip the gate).
    """
    try:
        from personageo.lint.engine import LintOptions
        from personageo.pipeline import stages
    except ImportError as exc:
        raise PersonageoError(
            f"the lint gate cannot run: personageo.lint is unavailable ({exc})",
            hint="pass --force to post without the lint gate") from None

    request = stages.LintRequest(str(body_path), LintOptions(results=tuple(map(str, results))))
    result = stages.lint(request)
    unchecked = [f"{body_path}: numbers not checked: {result.unchecked}"] if result.unchecked \
        else []
    return [str(v) for v in result.errors] + unchecked


@click.command("post")
@click.argument("body", required=False, type=click.Path(dir_okay=False, path_type=Path))
@_api_options
@click.option("--results", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Results file(s) the lint gate checks numbers against "
                   "[default: found as `personageo lint` finds them: eval_results/issue_N/, "
                   "matched by the hashes the body's render marker records].")
@click.option("--label", "labels", multiple=True, default=(post_mod.DRAFT_LABEL,),
              show_default=True,
              help="Label(s) to set; of the status labels (clean-results:draft, clean-results) "
                   "those not named are removed. Repeatable.")
@click.option("--set-title", is_flag=True,
              help="Also set the title: claim + '(LEVEL confidence)'.")
@click.option("--claim", help="Claim for --set-title [default: front-matter title or first H1].")
@click.option("--confidence", type=click.Choice(post_mod.CONFIDENCE_LEVELS, case_sensitive=False),
              help="Confidence for --set-title [default: the title's marker or the body's "
                   "**Confidence:** line].")
@click.option("--force", is_flag=True, help="Post even when the lint gate finds errors.")
@click.option("--dry-run", is_flag=True,
              help="Show what would be posted, from local files only; write nothing.")
@click.option("--diff", is_flag=True,
              help="With --dry-run: also read the issue (GET only) and show the diff and the "
                   "exact calls.")
@click.option("-y", "--yes", is_flag=True,
              help="Do not ask before writing (asked only on an interactive terminal).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def command(body, repo, number, api_url, token_env, max_wait, verbose, results, labels,
            set_title, claim, confidence, force, dry_run, diff, yes, fmt):
    """Post the write-up BODY into issue --issue of --repo, in place.

    BODY defaults to reports/issue_N.md. Its relative figure links are pinned to the pushed
    commit that holds each figure (refused, with the git commands to run, when a figure is not
    committed and pushed). The first promotion keeps the issue's original body in a marked
    comment; posting the same write-up again changes nothing.
    """
    _setup_logging(verbose)
    target = PublishTarget(issue=number, repo=repo, body=body or Path(f"reports/issue_{number}.md"))
    writeup = post_mod.read_writeup(target.body)  # length is checked here, before any request
    writeup, pinned = post_mod.pin_writeup(writeup, target)
    title = post_mod.derive_title(writeup, claim, confidence) if set_title else None
    try:
        lint_errors = post_mod.lint_gate(writeup, results, force=force,
                                         lint=lint_error_lines)
    except post_mod.LintGateError as err:
        click.echo(f"error: {err}", err=True)
        raise click.exceptions.Exit(1) from None
    if lint_errors:
        click.echo(f"warning: posting despite {len(lint_errors)} lint error(s) (--force):", err=True)
        for line in lint_errors:
            click.echo(f"  {line}", err=True)

    if dry_run and not diff:
        _print_offline(repo, number, writeup, pinned, labels, title, lint_errors, fmt)
        return
    client = _client(repo, api_url, token_env, max_wait, anonymous_ok=dry_run)
    plan = post_mod.plan_post(client, number, writeup, labels=labels, title=title)
    if plan.calls and not (dry_run or yes) and _interactive():
        _print_plan(plan)
        click.confirm(f"make these {len(plan.calls)} call(s) on {repo}#{number}?", abort=True)
    made = [] if dry_run else post_mod.execute_plan(client, plan)

    if fmt == "json":
        click.echo(json.dumps({
            "repo": repo, "issue": number, "url": plan.issue.html_url, "dry_run": dry_run,
            "changed": plan.changes_anything,
            "calls": [{"method": c.method, "path": c.path, "purpose": c.purpose}
                      for c in plan.calls],
            "diff": plan.diff() if dry_run else None, "lint_errors": lint_errors,
        }, indent=2))
        return
    if dry_run:
        _print_plan(plan)
        return
    if made:
        click.echo(f"posted to {plan.issue.html_url or f'{repo}#{number}'}:")
        for call in made:
            click.echo(f"  {call}")
    else:
        click.echo(f"{repo}#{number} already holds this write-up; nothing written")


def _print_offline(repo, number, writeup, pinned, labels, title, lint_errors, fmt) -> None:
    """What posting would do, from local files only (``--dry-run`` without ``--diff``)."""
    posted = writeup.posted_body()
    if fmt == "json":
        click.echo(json.dumps({
            "repo": repo, "issue": number, "dry_run": True, "offline": True,
            "body": str(writeup.path), "chars": len(posted), "title": title,
            "labels": list(labels), "lint_errors": lint_errors,
            "figures": [{"path": f.path, "commit": f.commit, "url": f.url} for f in pinned],
        }, indent=2))
        return
    click.echo(f"would post {writeup.path} to {repo}#{number}: {len(posted):,} characters "
               f"(hidden marker line first)")
    for f in pinned:
        click.echo(f"  figure {f.path} -> {f.url}")
    if title is not None:
        click.echo(f"  title: {title!r}")
    click.echo(f"  labels: {', '.join(labels)} (other status labels removed)")
    click.echo("  the issue's current body is kept once, in a marked comment, at the first "
               "promotion")
    click.echo("dry run, offline: nothing read from or written to GitHub (--diff reads the "
               "issue and shows the diff and the exact calls)")


def _interactive() -> bool:
    """Ask before writing only when a person is at the terminal (never in CI)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _print_plan(plan: post_mod.PostPlan) -> None:
    diff = plan.diff()
    click.echo(diff if diff else "body and title unchanged")
    if plan.calls:
        click.echo(f"would make {len(plan.calls)} write call(s):")
        for call in plan.calls:
            click.echo(f"  {call}")
    else:
        click.echo("nothing to write")


@click.command("fetch-issue")
@_api_options
@click.option("--body-out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the issue body.")
@click.option("--meta-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write title/number/labels/created as JSON.")
@click.option("--front-matter-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the body prefixed by that metadata as YAML front matter.")
def fetch_issue_command(repo, number, api_url, token_env, max_wait, verbose, body_out,
                        meta_out, front_matter_out):
    """Write an issue's body (and metadata) to files, for linting in CI."""
    from personageo.report.post_ci import fetch_issue

    _setup_logging(verbose)
    client = _client(repo, api_url, token_env, max_wait)
    issue = fetch_issue(client, number, body_out, meta_out=meta_out,
                        front_matter_out=front_matter_out)
    click.echo(f"{repo}#{number}: {len(issue.body):,} characters -> {body_out}", err=True)


@click.command("lint-comment")
@_api_options
@click.option("--report", "report_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Text report of `personageo lint`.")
@click.option("--exit-code", type=int, required=True, help="The linter's exit code.")
@click.option("--body", "body_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The linted body (its hash is shown in the comment).")
def lint_comment_command(repo, number, api_url, token_env, max_wait, verbose, report_path,
                         exit_code, body_path):
    """Keep ONE marked lint-report comment on the issue, edited in place."""
    from personageo.report.post_ci import post_lint_report

    _setup_logging(verbose)
    client = _client(repo, api_url, token_env, max_wait)
    report = read_bytes(report_path, "lint report").decode("utf-8", errors="replace")
    linted = read_bytes(body_path, "body").decode("utf-8", errors="replace") if body_path else None
    outcome = post_lint_report(client, number, report, exit_code, linted_body=linted)
    up = outcome.upsert
    extra = f", {len(up.deleted_duplicates)} duplicate(s) deleted" if up.deleted_duplicates else ""
    click.echo(f"lint comment {up.action} ({up.html_url or up.comment_id}){extra}")
