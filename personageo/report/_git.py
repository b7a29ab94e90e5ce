"""Where the figures live on GitHub: owner/repo from the remote, a commit that holds the bytes.

Image URLs are pinned to a commit (``raw.githubusercontent.com/<owner>/<repo>/<sha>/<path>``)
so a write-up never shows a figure that changed after it was written. A fresh render has no
such commit yet: see :func:`figure_commit` for the policy.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

from personageo.errors import InputError, Location
from personageo.files import parse_repo

_SHA = re.compile(r"^[0-9a-f]{7,40}$")
_REMOTE = re.compile(r"github\.com[:/](?P<owner>[^/]+)/(?P<repo>[^/]+?)(?:\.git)?/?$")


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                             check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def repo_toplevel(root: Path) -> Path | None:
    top = _git(root, "rev-parse", "--show-toplevel")
    return Path(top) if top else None


def owner_repo(root: Path, given: str | None) -> tuple[str, str]:
    """``OWNER/NAME`` from ``--repo`` or from ``git remote get-url origin``."""
    if given:
        parsed = parse_repo(given.strip())
        if parsed is None:
            raise InputError(f"--repo {given!r} is not OWNER/NAME (letters, digits, '-' in the "
                             "owner; letters, digits, '.', '_', '-' in the name)",
                             hint="e.g. --repo acme/research")
        return parsed
    url = _git(root, "remote", "get-url", "origin")
    m = _REMOTE.search(url or "")
    if not m or parse_repo(f"{m['owner']}/{m['repo']}") is None:
        raise InputError("cannot tell the GitHub repository for the figure URLs "
                         f"(origin remote: {url or 'none'})", Location(str(root)),
                         hint="pass --repo OWNER/NAME")
    return m["owner"], m["repo"]


def git_blob_sha1(data: bytes) -> str:
    """The object id git gives these bytes (``git hash-object``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def figure_commit(root: Path, rel_path: str, data: bytes, given: str | None,
                  allow_branch: bool) -> str:
    """The commit the hero URL is pinned to.

    Policy
    ------
    * ``--commit SHA`` wins (7-40 hex digits). Anything else is a branch or tag name, refused
      unless ``--allow-branch-url`` (a branch URL shows whatever is pushed later).
    * Otherwise the last commit that touched the figure, and only if the blob committed there is
      byte-identical to the figure this render produces.
    * A fresh or changed figure has no such commit: the render fails and says to run
      ``--figures-only``, commit the figures, and render again (two steps, never a placeholder
      URL that would silently 404 or show stale bytes).
    """
    if given:
        if _SHA.match(given.lower()):
            return given.lower()
        if allow_branch:
            return given
        raise InputError(f"--commit {given!r} is not a commit sha (7-40 hex digits); a branch "
                         "URL would show whatever is pushed later",
                         hint="pass a sha, or --allow-branch-url to accept a branch URL")
    sha = _git(root, "log", "-1", "--format=%H", "--", rel_path)
    if sha:
        blob = _git(root, "rev-parse", f"{sha}:{rel_path}")
        if blob == git_blob_sha1(data):
            return sha
        why = f"it differs from the version committed in {sha[:12]}"
    else:
        why = "no commit holds it yet"
    raise InputError(f"figure {rel_path} cannot be linked by a commit-pinned URL: {why}",
                     Location(rel_path),
                     hint="run `personageo report render --issue N --figures-only`, commit the "
                          "figures, then render again (or pass --commit SHA)")


def raw_url(owner: str, repo: str, commit: str, rel_path: str) -> str:
    return f"https://raw.githubusercontent.com/{owner}/{repo}/{commit}/{rel_path}"


def issue_url(owner: str, repo: str, number: int) -> str:
    return f"https://github.com/{owner}/{repo}/issues/{number}"
