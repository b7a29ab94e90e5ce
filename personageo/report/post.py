"""``report post``: put a rendered write-up into its tracker issue, once and in place.

The posting conventions (``clean-result-format.md``, "Posting conventions"):

- a promoted body has the hidden marker :data:`CLEAN_RESULT_MARKER` on its first line;
- before the first promotion the issue's original body is kept once, in a comment whose first
  line is :data:`ORIGINAL_BODY_MARKER` (an empty original body has nothing to keep);
- the status label (``clean-results:draft`` by default, ``clean-results`` once promoted) is set;
  the two status labels exclude each other, every other label is left alone;
- bodies are limited to 65,536 characters: a longer one is refused before any request.

Posting is a plan and an execution: :func:`plan_post` only reads (GET issue, GET comments) and
returns a :class:`PostPlan` with the diff and the write calls it would make; :func:`execute_plan`
makes exactly those calls. Posting the same body twice plans no call the second time.

Title (``--set-title``), kept simple: an explicit claim (``--claim``) wins, else the write-up's
YAML front matter ``title:``, else its first H1. A trailing ``(LEVEL confidence)`` marker is kept,
replaced by ``--confidence`` when given, or added from the body's ``**Confidence: LEVEL**`` line.
Front matter is local metadata and is not posted.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from personageo.errors import InputError, Location, PersonageoError
from personageo.files import read_bytes
from personageo.markdown import parse_body
from personageo.report._pin import PinnedFigure, pin_figures
from personageo.report.github_client import GitHubClient, IssueSnapshot
from personageo.report.post_comments import (
    MAX_CHARS,
    ensure_marked_comment,
    find_marked,
    has_marker,
    same_text,
)
from personageo.report.target import PublishTarget

CLEAN_RESULT_MARKER = "<!-- personageo:clean-result v1 -->"
ORIGINAL_BODY_MARKER = "<!-- personageo:original-body v1 -->"
DRAFT_LABEL = "clean-results:draft"
PROMOTED_LABEL = "clean-results"
STATUS_LABELS = (DRAFT_LABEL, PROMOTED_LABEL)
CONFIDENCE_LEVELS = ("HIGH", "MODERATE", "LOW")

_TITLE_MARKER = re.compile(r"\s*\((HIGH|MODERATE|LOW) confidence\)\s*$", re.IGNORECASE)
_CONFIDENCE_LINE = re.compile(r"\*\*Confidence:\s*(HIGH|MODERATE|LOW)\*\*", re.IGNORECASE)

#: ``(body_path, results_paths) -> error findings`` as one line each; empty when clean
LintFn = Callable[[Path, Sequence[Path]], list[str]]


class LintGateError(PersonageoError):
    """The write-up has lint errors and ``--force`` was not given (CLI exit code 1)."""


# --------------------------------------------------------------------------- body + title


@dataclass(frozen=True)
class WriteUp:
    """A write-up file split into what is posted and the metadata it carries."""

    path: Path
    body: str  # without front matter, without marker
    front_matter: dict

    def posted_body(self) -> str:
        """The issue body to post: the hidden marker line, then the write-up."""
        return f"{CLEAN_RESULT_MARKER}\n{self.body}"


def read_writeup(path: str | Path) -> WriteUp:
    """Read a write-up, drop its front matter and any marker line, and check its length.

    Raises
    ------
    InputError
        Unreadable file, bad front matter, or a posted body over 65,536 characters.
    """
    path = Path(path)
    try:  # a missing file: "write-up not found" (read_bytes names it by its second argument)
        text = read_bytes(path, "write-up", 4 * MAX_CHARS).decode("utf-8")
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise InputError(f"cannot read the write-up as UTF-8 text: {exc}",
                         Location(str(path))) from None
    parsed = parse_body(text, str(path))
    front: dict = {}
    text = parsed.text
    if parsed.front is not None:
        loaded = parsed.front.load()
        front = loaded if isinstance(loaded, dict) else {}
        text = "\n".join(parsed.lines[parsed.body_start:])
    if has_marker(text, CLEAN_RESULT_MARKER):
        text = text.lstrip().split("\n", 1)[1] if "\n" in text.lstrip() else ""
    writeup = WriteUp(path, text, front)
    check_length(writeup.posted_body(), path)
    return writeup


def pin_writeup(writeup: WriteUp, target: PublishTarget) -> tuple[WriteUp, list[PinnedFigure]]:
    """The write-up with its relative figure links pinned to the pushed commit that holds each
    figure in ``target``'s repository (see :mod:`personageo.report._pin`); refused, with the
    git commands to run, when a figure is not committed and pushed as it is now."""
    body, pinned = pin_figures(writeup.body, writeup.path, target.require_owner_repo(),
                               target.issue)
    out = WriteUp(writeup.path, body, writeup.front_matter)
    check_length(out.posted_body(), writeup.path)
    return out, pinned


def check_length(body: str, path: str | Path | None = None, what: str = "body") -> None:
    """Refuse a body (or comment) longer than GitHub's 65,536-character limit."""
    if len(body) > MAX_CHARS:
        if what == "body":
            msg, hint = ("the body to post", "move tables or samples to linked files in the "
                         "repo, or shorten the prose")
        else:
            msg, hint = (f"the {what}", "copy the issue's current body somewhere safe, then "
                         "shorten it by hand before posting")
        raise InputError(
            f"{msg} has {len(body):,} characters; GitHub allows at most {MAX_CHARS:,} in an "
            "issue body or comment (marker line included)",
            Location(str(path)) if path else None, hint=hint)


def derive_title(writeup: WriteUp, claim: str | None = None,
                 confidence: str | None = None) -> str:
    """``<claim> (LEVEL confidence)`` from flags, front matter or the first H1 (see module doc)."""
    source = claim or writeup.front_matter.get("title") or _first_h1(writeup.body)
    if not source or not str(source).strip():
        raise InputError(
            "--set-title needs a claim: the write-up has no front-matter title and no H1",
            Location(str(writeup.path)), hint="pass --claim TEXT (and --confidence LEVEL)")
    source = " ".join(str(source).split())  # one line, whatever the YAML folding
    m = _TITLE_MARKER.search(source)
    base = source[: m.start()].rstrip() if m else source
    level = confidence or (m.group(1) if m else None) or _body_confidence(writeup.body)
    if level is None:
        raise InputError(
            "--set-title needs a confidence level: none in the title and no "
            "'**Confidence: LEVEL**' line in the body",
            Location(str(writeup.path)), hint="pass --confidence HIGH|MODERATE|LOW")
    level = level.upper()
    if level not in CONFIDENCE_LEVELS:
        raise InputError(f"confidence must be one of {', '.join(CONFIDENCE_LEVELS)}, "
                         f"got {level!r}")
    return f"{base.rstrip('.')} ({level} confidence)"


def _first_h1(markdown: str) -> str | None:
    return parse_body(markdown).first_heading(1)


def _body_confidence(markdown: str) -> str | None:
    m = _CONFIDENCE_LINE.search(markdown)
    return m.group(1).upper() if m else None


def original_body_comment(original: str) -> str:
    """The marked comment that keeps an issue's original body."""
    return (f"{ORIGINAL_BODY_MARKER}\n"
            "_The issue's original body, kept by `personageo report post` before the first "
            "promotion replaced it with the write-up:_\n\n---\n\n" + original)


# --------------------------------------------------------------------------- lint gate


def lint_gate(writeup: WriteUp, results: Sequence[Path], *, force: bool,
              lint: LintFn) -> list[str]:
    """Run ``lint`` (body path, results -> error lines); raise :class:`LintGateError` listing
    the errors unless ``force``. The caller supplies the linter (the CLI passes
    :func:`personageo.cli.report_post.lint_errors`), so ``report`` does not import ``lint``.

    Returns the errors (non-empty only when forced).
    """
    errors = lint(writeup.path, list(results))
    if errors and not force:
        raise LintGateError(
            f"refusing to post: the write-up has {len(errors)} lint error(s)",
            Location(str(writeup.path)), details=errors,
            hint="fix them and render again, or pass --force to post anyway")
    return errors


# --------------------------------------------------------------------------- plan + execute


@dataclass(frozen=True)
class PlannedCall:
    """One write request the plan would make."""

    method: str
    path: str
    purpose: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}  — {self.purpose}"


@dataclass
class PostPlan:
    """Everything :func:`execute_plan` will write, computed from one read of the issue."""

    repo: str
    issue: IssueSnapshot
    new_body: str
    new_title: str | None
    preserve_original: bool
    labels_add: list[str]
    labels_remove: list[str]
    calls: list[PlannedCall] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(self.calls)

    def diff(self) -> str:
        """Unified diff of the current issue body (and title) against the planned one."""
        out = []
        if self.new_title is not None and self.new_title != self.issue.title:
            out.append(f"title: {self.issue.title!r}\n    -> {self.new_title!r}\n")
        if same_text(self.issue.body, self.new_body):
            return "".join(out)
        out.extend(difflib.unified_diff(
            self.issue.body.replace("\r\n", "\n").splitlines(keepends=True),
            self.new_body.splitlines(keepends=True),
            fromfile=f"{self.repo}#{self.issue.number} (current body)",
            tofile=f"{self.repo}#{self.issue.number} (write-up)"))
        text = "".join(line if line.endswith("\n") else line + "\n" for line in out)
        return text


def plan_post(client: GitHubClient, number: int, writeup: WriteUp, *,
              labels: Sequence[str] = (DRAFT_LABEL,), title: str | None = None) -> PostPlan:
    """Read the issue and work out the write calls that posting ``writeup`` needs."""
    issue = client.get_issue(number)
    new_body = writeup.posted_body()
    check_length(new_body, writeup.path)
    base = f"/repos/{client.repo_name}/issues/{number}"
    current = issue.body.replace("\r\n", "\n")
    preserve = False
    if not has_marker(current, CLEAN_RESULT_MARKER) and current.strip():
        kept = find_marked(client.list_comments(number), ORIGINAL_BODY_MARKER)
        preserve = not kept
        if preserve:
            check_length(original_body_comment(current),
                         what="comment keeping the original body")
    wanted = list(dict.fromkeys(labels))
    add = [lb for lb in wanted if lb not in issue.labels]
    remove = [lb for lb in issue.labels if lb in STATUS_LABELS and lb not in wanted]
    new_title = title if title is not None and title != issue.title else None
    plan = PostPlan(client.repo_name, issue, new_body, new_title, preserve, add, remove)
    if preserve:
        plan.calls.append(PlannedCall("POST", f"{base}/comments",
                                      "keep the original body in a marked comment "
                                      f"({len(current):,} characters)"))
    fields = [n for n, changed in (("body", not same_text(new_body, current)),
                                   ("title", new_title is not None)) if changed]
    if fields:
        plan.calls.append(PlannedCall("PATCH", base, f"set {' and '.join(fields)}"))
    if add:
        plan.calls.append(PlannedCall("POST", f"{base}/labels", f"add labels {add}"))
    for lb in remove:
        plan.calls.append(PlannedCall("DELETE", f"{base}/labels/{lb}", f"remove label {lb!r}"))
    return plan


def execute_plan(client: GitHubClient, plan: PostPlan) -> list[PlannedCall]:
    """Make the plan's calls in a safe order (original kept before the body is replaced)."""
    number = plan.issue.number
    if plan.preserve_original:
        # lists again right before writing: another run may have kept it meanwhile
        ensure_marked_comment(client, number, ORIGINAL_BODY_MARKER,
                              original_body_comment(plan.issue.body.replace("\r\n", "\n")))
    body_changed = not same_text(plan.new_body, plan.issue.body)
    if body_changed or plan.new_title is not None:
        client.edit_issue(number, body=plan.new_body if body_changed else None,
                          title=plan.new_title)
    client.add_labels(number, plan.labels_add)
    for label in plan.labels_remove:
        client.remove_label(number, label)
    return list(plan.calls)
