"""The two API steps of the CI lint: fetch an issue's body, and keep one lint-report comment.

Used by the composite action (``action.yml``) through ``personageo report fetch-issue`` and
``personageo report lint-comment``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from personageo.files import atomic_write_json, atomic_write_text, sha256_text
from personageo.markdown import write_front_matter
from personageo.report.github_client import GitHubClient, IssueSnapshot
from personageo.report.post_comments import (
    LINT_MARKER,
    UpsertResult,
    format_lint_comment,
    status_from_exit_code,
    upsert_marked_comment,
)


def issue_metadata(issue: IssueSnapshot) -> dict:
    """The issue facts a lint rule may need (title, number, labels, creation date, URL)."""
    return {"title": issue.title, "issue": issue.number, "labels": list(issue.labels),
            "created": issue.created_at, "url": issue.html_url}


def fetch_issue(client: GitHubClient, number: int, body_out: Path, *,
                meta_out: Path | None = None,
                front_matter_out: Path | None = None) -> IssueSnapshot:
    """Write the issue body to ``body_out``, its metadata as JSON to ``meta_out``.

    ``front_matter_out`` gets the body prefixed by a YAML front-matter block of
    :func:`issue_metadata`, the form ``personageo lint`` can read the title, number, labels and
    creation date from. Line ends are normalised to ``\\n``.
    """
    issue = client.get_issue(number)
    body = issue.body.replace("\r\n", "\n")
    atomic_write_text(body_out, body)
    if meta_out is not None:
        atomic_write_json(meta_out, issue_metadata(issue))
    if front_matter_out is not None:
        atomic_write_text(front_matter_out, write_front_matter(issue_metadata(issue), body))
    return issue


@dataclass(frozen=True)
class LintCommentOutcome:
    """What :func:`post_lint_report` did, and the comment text it wanted."""

    upsert: UpsertResult
    body: str


def post_lint_report(client: GitHubClient, number: int, report: str, exit_code: int, *,
                     linted_body: str | None = None) -> LintCommentOutcome:
    """Keep ONE marked lint comment on the issue, holding ``report``, updated in place.

    Parameters
    ----------
    client : GitHubClient
    number : int
        Issue number.
    report : str
        The text report of ``personageo lint``.
    exit_code : int
        The linter's exit code (0 pass, 1 findings, other: could not lint).
    linted_body : str, optional
        The body that was linted; its hash goes in the comment so readers can tell which
        revision the report is about (no timestamp, so an unchanged body changes nothing).
    """
    sha = sha256_text(linted_body) if linted_body is not None else None
    body = format_lint_comment(report, status_from_exit_code(exit_code), body_sha256=sha)
    return LintCommentOutcome(upsert_marked_comment(client, number, LINT_MARKER, body), body)
