"""Where a write-up is published: ONE object from the command line down to the figure URLs.

A :class:`PublishTarget` names the tracker issue and its GitHub repository, the commit that
figure URLs are pinned to (if any), and the write-up's files in the research repository (each
defaulting to the ``--root`` convention). ``report render``, ``report update``, ``report post``
and the render stage of ``personageo run`` each build one and hand it down; the repository and
the commit are resolved here, in one place (:meth:`PublishTarget.owner_repo`,
:meth:`PublishTarget.figure_url`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from personageo.errors import InputError, Location
from personageo.files import inside_root
from personageo.report import _git


class WriteUpFiles(NamedTuple):
    """The files of one write-up, defaults filled in."""

    results: Path
    body: Path
    figures: Path
    narrative: Path | None


def check_issue(issue) -> int:
    """An issue number is a positive int (the CLI parses it from ASCII digits only)."""
    if isinstance(issue, bool) or not isinstance(issue, int) or issue < 1:
        raise InputError(f"issue number {issue!r} is not a positive integer",
                         hint="e.g. --issue 238")
    return issue


@dataclass(frozen=True)
class PublishTarget:
    """Where one write-up goes, and the files it is made of.

    Paths left ``None`` default to the research-repo convention under ``root``:
    ``eval_results/issue_N/run_result.json``, ``reports/issue_N.md``, ``figures/issue_N/`` and
    ``reports/issue_N.narrative.md`` (when it exists).
    """

    issue: int
    root: Path = field(default_factory=Path.cwd)
    repo: str | None = None
    """``OWNER/NAME`` on GitHub; ``None``: from the ``origin`` remote of ``root``."""
    commit: str | None = None
    """Pin figure URLs to this commit now; without it figures are linked by their path relative
    to the body, and ``report post`` pins them to the commit that holds them."""
    allow_branch_url: bool = False
    """Accept a branch name for :attr:`commit`."""
    results: Path | None = None
    baseline: Path | None = None
    narrative: Path | None = None
    body: Path | None = None
    """The write-up's body file (written by render, read by update and post)."""
    figures_dir: Path | None = None

    def files(self) -> WriteUpFiles:
        """The write-up's files by the ``root`` convention where not given.

        Raises
        ------
        InputError
            A bad issue number, no ``eval_results/issue_N/`` (when no results file is given),
            a path outside ``root``, or a named narrative file that does not exist.
        """
        root = Path(self.root)
        check_issue(self.issue)
        results = self.results or root / "eval_results" / f"issue_{self.issue}" / "run_result.json"
        if self.results is None and not results.parent.is_dir():
            raise InputError(f"unknown issue {self.issue}: no eval_results/issue_{self.issue}/ "
                             "directory", Location(str(results.parent)),
                             hint="check --issue and --root, or pass --results")
        figures = self.figures_dir or inside_root(root, f"figures/issue_{self.issue}",
                                                  "figures directory")
        narrative = self.narrative
        if narrative is None:
            candidate = root / "reports" / f"issue_{self.issue}.narrative.md"
            narrative = candidate if candidate.exists() else None
        elif not Path(narrative).is_file():
            raise InputError("narrative file not found", Location(str(narrative)))
        return WriteUpFiles(Path(results), self.body_path(), Path(figures),
                            narrative and Path(narrative))

    def body_path(self) -> Path:
        """The body file: :attr:`body`, else ``ROOT/reports/issue_N.md``."""
        return Path(self.body or inside_root(Path(self.root), f"reports/issue_{self.issue}.md",
                                             "report body"))

    def owner_repo(self) -> tuple[str, str] | None:
        """``(OWNER, NAME)`` from :attr:`repo`, else from the GitHub ``origin`` remote, else
        ``None`` (issue links then fall back to the tracker's ``#N``)."""
        return _git.find_owner_repo(Path(self.root), self.repo)

    def require_owner_repo(self) -> tuple[str, str]:
        """:meth:`owner_repo`, or an error naming ``--repo`` when neither tells it."""
        return _git.owner_repo(Path(self.root), self.repo)

    def figure_url(self, rel_path: str) -> str | None:
        """The commit-pinned URL of a figure at ``rel_path`` (relative to the repository's top)
        when :attr:`commit` is given, else ``None`` (the body links it by relative path)."""
        if self.commit is None:
            return None
        owner, name = self.require_owner_repo()
        commit = _git.figure_commit(self.commit, self.allow_branch_url)
        return _git.raw_url(owner, name, commit, rel_path)
