"""Pinning a write-up's figures for the tracker: relative image links -> commit-pinned URLs.

``report render`` links figures by their path relative to the body, so a body read in the
repository shows them before anything is committed. The tracker cannot show a relative link, and
images cannot be uploaded through the API, so ``report post`` replaces each relative image link
by ``raw.githubusercontent.com/<owner>/<repo>/<sha>/<path>``, ``<sha>`` being the last commit
that holds the figure's current bytes, and only once a remote-tracking branch contains that
commit (else the URL would 404). A figure that is missing, uncommitted, changed since its
commit, or not pushed is refused with the exact git commands that fix it.

Rewriting a URL changes the content of its generated region; the region's digest is rewritten
too, but only where the region was unedited before (a hand edit stays detectable by
``report update``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from personageo.errors import InputError, Location
from personageo.markdown import markers as M
from personageo.markdown import parse_body
from personageo.report import _git
from personageo.report import _regions as R


@dataclass(frozen=True)
class PinnedFigure:
    """One relative image link and the URL that replaces it."""

    src: str
    path: str
    """Path of the figure relative to the repository root."""
    commit: str
    url: str


def relative_images(body: str) -> list[tuple[str, int | None]]:
    """``(src, 1-based line)`` of every image whose link is not an absolute URL."""
    return [(src, line) for src, line in parse_body(body).images()
            if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", src)]


def pin_figures(body: str, body_path: Path, owner_repo: tuple[str, str],
                issue: int | None = None) -> tuple[str, list[PinnedFigure]]:
    """``body`` with every relative image link pinned to the pushed commit holding the figure.

    Raises
    ------
    InputError
        A figure is missing, outside the repository, not committed as it is now, or its commit
        is not pushed; the hint gives the git commands to run.
    """
    images = relative_images(body)
    if not images:
        return body, []
    where = Path(body_path).resolve().parent
    existing = next(p for p in (where, *where.parents) if p.is_dir())
    top = _git.repo_toplevel(existing)
    if top is None:
        raise InputError(f"{len(images)} figure link(s) are relative and {where} is not in a "
                         "git repository: the tracker can only show committed, pushed figures",
                         Location(str(body_path), images[0][1]),
                         hint="keep the write-up and its figures in a git repository with a "
                              "GitHub remote, commit and push them, then post again")
    pinned: dict[str, PinnedFigure] = {}
    problems: list[str] = []
    unpushed: set[str] = set()
    to_commit: set[str] = set()
    for src, line in images:
        if src in pinned:
            continue
        file = (where / unquote(src.split("#")[0].split("?")[0])).resolve()
        rel = Path(os.path.relpath(file, top.resolve())).as_posix()
        at = f"{body_path}:{line}: {src}" if line else f"{body_path}: {src}"
        if rel.startswith("../"):
            problems.append(f"{at}: outside the repository {top}")
            continue
        if not file.is_file():
            problems.append(f"{at}: no such file ({rel})")
            continue
        sha, why = _git.committed_blob(top, rel, file.read_bytes())
        if sha is None:
            problems.append(f"{at}: {why}")
            to_commit.add(Path(rel).parent.as_posix())
            continue
        if not _git.is_pushed(top, sha):
            problems.append(f"{at}: commit {sha[:12]} holding it is not pushed")
            unpushed.add(sha)
            continue
        pinned[src] = PinnedFigure(src, rel, sha, _git.raw_url(*owner_repo, sha, rel))
    if problems:
        raise InputError(f"{len(problems)} figure(s) cannot be linked by a commit-pinned URL "
                         "yet (the tracker shows only committed, pushed figures)",
                         Location(str(body_path)), details=problems,
                         hint=_fix_commands(sorted(to_commit), bool(unpushed), issue))
    new = body
    for fig in pinned.values():
        new = re.sub(r"(\]\(\s*<?)" + re.escape(fig.src) + r"(?=>?[\s)])",
                     lambda m, u=fig.url: m.group(1) + u, new)
    return reseal_unedited(body, new), list(pinned.values())


def _fix_commands(dirs: list[str], push_needed: bool, issue: int | None) -> str:
    steps = []
    if dirs:
        what = f"issue {issue}" if issue is not None else "the write-up"
        steps.append(f"git add {' '.join(dirs)}")
        steps.append(f'git commit -m "Figures for {what}"')
    if dirs or push_needed:
        steps.append("git push")
    return "run  " + "  &&  ".join(steps) + "  then post again"


def reseal_unedited(old: str, new: str) -> str:
    """``new`` (``old`` with characters changed inside lines, line count unchanged) with the
    digest of each generated region rewritten where that region was unedited in ``old``."""
    before = R.parse(old)
    if not before.marked:
        return new
    intact = {r.begin for r in before.gens if r.digest == before.digest_of(r)}
    after = R.parse(new)
    lines = list(after.lines)
    for r in after.gens:
        if r.begin in intact:
            lines[r.begin] = M.gen_begin(r.id, after.digest_of(r))
    return "\n".join(lines)
