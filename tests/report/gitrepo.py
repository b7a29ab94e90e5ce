"""A research repository for tests: a GitHub ``origin`` remote whose pushes go to a local bare
repository, so ``git push`` works offline and updates ``origin/main`` as on GitHub."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"}


def git(root: Path, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                         text=True, env={**os.environ, **GIT_ENV})
    return out.stdout.strip()


def research_repo(root: Path, owner_repo: str = "acme/research") -> Path:
    """``git init`` in ``root`` (its files committed and pushed as ``main``), origin
    ``https://github.com/OWNER/NAME.git`` with pushes going to ``root``'s sibling bare repo."""
    bare = root.parent / f"{root.name}.remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True, capture_output=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", f"https://github.com/{owner_repo}.git")
    git(root, "remote", "set-url", "--push", "origin", str(bare))
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", "start")
    git(root, "push", "-q", "-u", "origin", "main")
    return root
