"""Where the figures live on GitHub: owner/repo from the remote, a commit that holds the bytes.

Image URLs are pinned to a commit (``raw.githubusercontent.com/<owner>/<repo>/<sha>/<path>``)
so a write-up never shows a figure that changed after it was written. ``report render`` links
figures by relative path (a body read in the repository shows them at once); ``report post``
pins them to the commit that holds their bytes, once it is pushed (:mod:`personageo.report._pin`).
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


def find_owner_repo(root: Path, given: str | None) -> tuple[str, str] | None:
    """``(OWNER, NAME)`` from ``--repo``, else from the GitHub ``origin`` remote, else None."""
    if given:
        parsed = parse_repo(given.strip())
        if parsed is None:
            raise InputError(f"--repo {given!r} is not OWNER/NAME (letters, digits, '-' in the "
                             "owner; letters, digits, '.', '_', '-' in the name)",
                             hint="e.g. --repo acme/research")
        return parsed
    m = _REMOTE.search(_git(root, "remote", "get-url", "origin") or "")
    return parse_repo(f"{m['owner']}/{m['repo']}") if m else None


def owner_repo(root: Path, given: str | None) -> tuple[str, str]:
    """``OWNER/NAME`` from ``--repo`` or from ``git remote get-url origin``; an error naming
    ``--repo`` when neither tells it."""
    found = find_owner_repo(root, given)
    if found is None:
        url = _git(root, "remote", "get-url", "origin")
        raise InputError("cannot tell the GitHub repository: no --repo and no GitHub origin "
                         f"remote with a valid OWNER/NAME (origin: {url or 'none'})",
                         Location(str(root)),
                         hint="pass --repo OWNER/NAME")
    return found


def git_blob_sha1(data: bytes) -> str:
    """The object id git gives these bytes (``git hash-object``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def figure_commit(given: str, allow_branch: bool) -> str:
    """The commit the figure URLs of a body rendered with ``--commit`` are pinned to.

    ``--commit SHA`` (7-40 hex digits) is taken as given. Anything else is a branch or tag name,
    refused unless ``--allow-branch-url`` (a branch URL shows whatever is pushed later). Without
    ``--commit`` a render links figures by relative path and ``report post`` pins them
    (:func:`committed_blob`, :func:`is_pushed`).
    """
    if _SHA.match(given.lower()):
        return given.lower()
    if allow_branch:
        return given
    raise InputError(f"--commit {given!r} is not a commit sha (7-40 hex digits); a branch "
                     "URL would show whatever is pushed later",
                     hint="pass a sha, or --allow-branch-url to accept a branch URL")


def committed_blob(root: Path, rel_path: str, data: bytes) -> tuple[str | None, str]:
    """(the last commit that touched ``rel_path``, "") when the blob it holds is byte-identical
    to ``data``; else (None, why not)."""
    sha = _git(root, "log", "-1", "--format=%H", "--", rel_path)
    if not sha:
        return None, "no commit holds it yet"
    if _git(root, "rev-parse", f"{sha}:{rel_path}") != git_blob_sha1(data):
        return None, f"it differs from the version committed in {sha[:12]}"
    return sha, ""


def is_pushed(root: Path, sha: str) -> bool:
    """Whether a remote-tracking branch contains commit ``sha`` (as of the last fetch/push)."""
    return bool(_git(root, "branch", "-r", "--contains", sha))


def raw_url(owner: str, repo: str, commit: str, rel_path: str) -> str:
    return f"https://raw.githubusercontent.com/{owner}/{repo}/{commit}/{rel_path}"


def issue_url(owner: str, repo: str, number: int) -> str:
    return f"https://github.com/{owner}/{repo}/issues/{number}"
