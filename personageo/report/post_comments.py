"""Marked comments: find one by its hidden marker, keep exactly one, format the lint report.

A marked comment's first line is a hidden, versioned HTML comment (``<!-- personageo:... v1 -->``)
that the tracker does not render. :func:`upsert_marked_comment` keeps ONE such comment per issue:
it edits the existing one in place (nothing at all when the text is unchanged), creates it when
absent, and deletes later duplicates left by an earlier race. Creating is not blindly retried:
after a 5xx on the POST the comments are listed again, so a POST that did succeed is found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from personageo.report.github_client import (
    CommentSnapshot,
    GitHubClient,
    GitHubError,
    TransientGitHubError,
)

LINT_MARKER = "<!-- personageo:clean-result-lint v1 -->"
LINT_END_MARKER = "<!-- /personageo:clean-result-lint -->"
#: GitHub's limit for issue bodies and comments, in characters
MAX_CHARS = 65_536

LintStatus = Literal["PASS", "FAIL", "UNCHECKED", "ERROR"]


@dataclass(frozen=True)
class UpsertResult:
    """What :func:`upsert_marked_comment` did: ``created``, ``updated`` or ``unchanged``."""

    action: Literal["created", "updated", "unchanged"]
    comment_id: int
    html_url: str | None
    deleted_duplicates: tuple[int, ...] = field(default=())


def has_marker(body: str, marker: str) -> bool:
    """True when the first line of ``body`` is ``marker`` (leading blank lines ignored)."""
    return body.lstrip().startswith(marker)


def find_marked(comments: list[CommentSnapshot], marker: str) -> list[CommentSnapshot]:
    """The comments whose first line is ``marker``, oldest first."""
    return [c for c in comments if has_marker(c.body, marker)]


def upsert_marked_comment(client: GitHubClient, issue: int, marker: str, body: str,
                          *, max_create_tries: int = 3) -> UpsertResult:
    """Make the issue hold exactly one comment marked ``marker`` whose text is ``body``.

    Parameters
    ----------
    client : GitHubClient
    issue : int
        Issue number.
    marker : str
        The hidden marker; ``body`` must start with it.
    body : str
        Full comment text.
    max_create_tries : int
        Re-list-then-create rounds after a transient failure of the POST.

    Returns
    -------
    UpsertResult
    """
    if not has_marker(body, marker):
        raise ValueError("a marked comment's body must start with its marker")
    if len(body) > MAX_CHARS:
        raise ValueError(f"comment of {len(body)} characters exceeds GitHub's {MAX_CHARS}")
    return _ensure(client, issue, marker, body, edit=True, max_create_tries=max_create_tries)


def ensure_marked_comment(client: GitHubClient, issue: int, marker: str, body: str,
                          *, max_create_tries: int = 3) -> UpsertResult:
    """Create the marked comment unless one exists already; never edit an existing one."""
    if not has_marker(body, marker):
        raise ValueError("a marked comment's body must start with its marker")
    return _ensure(client, issue, marker, body, edit=False, max_create_tries=max_create_tries)


def same_text(a: str, b: str) -> bool:
    """Equal up to CRLF line ends and trailing whitespace (which the tracker may change)."""
    return a.replace("\r\n", "\n").rstrip() == b.replace("\r\n", "\n").rstrip()


def _ensure(client: GitHubClient, issue: int, marker: str, body: str, *, edit: bool,
            max_create_tries: int) -> UpsertResult:
    for attempt in range(1, max_create_tries + 1):
        marked = find_marked(client.list_comments(issue), marker)
        if marked:
            keep, extra = marked[0], marked[1:]
            if not edit:
                return UpsertResult("unchanged", keep.id, keep.html_url)
            for dup in extra:
                client.delete_comment(dup.id)
            deleted = tuple(d.id for d in extra)
            if same_text(keep.body, body):
                return UpsertResult("unchanged", keep.id, keep.html_url, deleted)
            client.edit_comment(keep.id, body)
            return UpsertResult("updated", keep.id, keep.html_url, deleted)
        try:
            made = client.create_comment(issue, body)
        except TransientGitHubError:
            if attempt == max_create_tries:
                raise
            continue  # the POST may have succeeded: list again before trying again
        return _keep_oldest(client, issue, marker, made)
    raise GitHubError("could not create the comment")  # pragma: no cover - loop always returns


def _keep_oldest(client: GitHubClient, issue: int, marker: str,
                 made: CommentSnapshot) -> UpsertResult:
    """After creating a marked comment, list again: when concurrent runs each created one,
    every run but the one whose comment is oldest deletes its own, so they converge to one."""
    marked = find_marked(client.list_comments(issue), marker)
    oldest = min(marked, key=lambda c: c.id, default=None)
    if oldest is None or oldest.id == made.id:
        return UpsertResult("created", made.id, made.html_url)
    client.delete_comment(made.id)
    return UpsertResult("unchanged", oldest.id, oldest.html_url, (made.id,))


def status_from_exit_code(code: int) -> LintStatus:
    """``personageo lint`` exit code -> report status (0 PASS, 1 FAIL, 3 UNCHECKED: numbers not
    checked against results; anything else ERROR)."""
    return {0: "PASS", 1: "FAIL", 3: "UNCHECKED"}.get(code, "ERROR")


def format_lint_comment(report: str, status: LintStatus, *, body_sha256: str | None = None,
                        tool: str = "personageo lint") -> str:
    """The marked lint-report comment: marker, a status heading, the report in a fence.

    Nothing time-dependent goes in, so linting the same body twice gives the same comment (and
    :func:`upsert_marked_comment` then makes no call). A report too long for one comment is
    cut, saying so.
    """
    verdict = {"PASS": "PASS", "FAIL": "FAIL — fix the errors and edit the body; this comment "
               "updates itself", "UNCHECKED": "UNCHECKED — the numbers were not checked: commit "
               "the results file (eval_results/issue_N/run_result.json) or pass `results:`",
               "ERROR": "ERROR — the linter could not read the body"}[status]
    report = report.rstrip("\n")
    fence = "`" * max(3, _longest_backtick_run(report) + 1)
    head = f"{LINT_MARKER}\n## Clean-result lint — {verdict}\n\n"
    tail = f"\n{fence}\n\n"
    if body_sha256:
        tail += f"<sub>{tool} · body sha256 {body_sha256[:12]}</sub>\n"
    tail += LINT_END_MARKER
    room = MAX_CHARS - len(head) - len(tail) - 2 * len(fence) - 64
    if len(report) > room:
        cut = report[:room].rsplit("\n", 1)[0]
        report = cut + f"\n… report cut: {len(report) - len(cut)} more characters in the CI log"
    return f"{head}{fence}text\n{report}{tail}"


def _longest_backtick_run(text: str) -> int:
    best = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        best = max(best, run)
    return best
