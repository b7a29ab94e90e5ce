"""Find the results files a body reports, as ``personageo lint BODY`` does without ``--results``.

In a research repo (the folder above ``reports/`` that holds ``eval_results/``), the body
``reports/issue_N.md`` reports ``eval_results/issue_N/run_result.json``. The render marker
records the sha256 of every file the body was rendered from (``results=``, ``baseline=``), and
the binding table a path hint for each: a file is *found* when its sha256 is the recorded one
(the hint, then ``eval_results/issue_N/run_result.json``, then any ``eval_results/*/*.json``),
else the file at the conventional place or the hint is used and said to be **stale** (the body
was rendered from other bytes: PG104 then names the numbers that changed). A recorded file
found nowhere is **missing**: the numbers bound to it cannot be checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from personageo.errors import InputError
from personageo.files import sha256_file
from personageo.lint.context import issue_int
from personageo.markdown import read_front_matter, split_lines
from personageo.markdown.markers import parse_render_marker
from personageo.schema.bindings import BindingError, read_table

_ISSUE = re.compile(r"issue_(\d+)(?:\.[\w-]+)?\.md$")
#: Files larger than this are not hashed while searching (a results file is far smaller).
_MAX_SEARCH_BYTES = 64 * 1024 * 1024


@dataclass
class Found:
    """The results files found for one body, in the render marker's order."""

    results: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """One line per file: where it was found and how (hash match, stale, missing)."""
    missing: list[str] = field(default_factory=list)
    """Names (``results``, ``baseline``) of recorded files found nowhere."""
    root: Path | None = None


def repo_root(body: Path) -> Path | None:
    """The nearest folder at or above the body's that holds ``eval_results/``."""
    for d in [body.resolve().parent, *body.resolve().parent.parents]:
        if (d / "eval_results").is_dir():
            return d
        if (d / ".git").exists():
            return None
    return None


def issue_number(body: Path, text: str) -> int | None:
    m = _ISSUE.search(body.name)
    if m:
        return int(m.group(1))
    front = read_front_matter(split_lines(text))
    if front is None:
        return None
    try:
        meta = front.data()
    except InputError:  # lint reports the broken front matter itself
        return None
    return next((n for n in (issue_int(meta.get(k)) for k in ("number", "issue", "issue_number"))
                 if n is not None), None)


class _Hashes:
    def __init__(self) -> None:
        self._cache: dict[Path, str | None] = {}

    def of(self, path: Path) -> str | None:
        path = path.resolve()
        if path not in self._cache:
            try:
                ok = path.is_file() and path.stat().st_size <= _MAX_SEARCH_BYTES
                self._cache[path] = sha256_file(path) if ok else None
            except OSError:
                self._cache[path] = None
        return self._cache[path]


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def discover(body: Path, text: str, *, root: Path | None = None,
             issue: int | None = None) -> Found:
    """The results files of ``body`` (see the module docstring); ``root`` and ``issue``
    override the repo and the issue number found from the body's place and name."""
    out = Found(root=root or repo_root(body))
    root = out.root
    issue = issue if issue is not None else issue_number(body, text)
    if root is None:
        out.notes.append(f"{body}: no eval_results/ folder above the body: results not found")
        return out
    conventional = root / "eval_results" / f"issue_{issue}" / "run_result.json" \
        if issue is not None else None
    marker = parse_render_marker(text)
    try:
        table = read_table(text)
    except BindingError:
        table = None
    hints = [r.path for r in table.results] if table else []
    hashes = _Hashes()
    if marker is None or not marker.results:  # a hand-written body: the convention only
        if conventional is not None and conventional.is_file():
            out.results.append(str(conventional))
            out.notes.append(f"results: {_rel(conventional, root)} (by the issue number; the "
                             "body records no hash)")
        else:
            out.missing.append("results")
            out.notes.append("results: not found (expected "
                             f"eval_results/issue_{issue if issue is not None else 'N'}"
                             "/run_result.json)")
        return out
    pool = sorted(p for p in (root / "eval_results").glob("*/*.json"))
    for i, (name, sha) in enumerate(marker.results):
        hint = root / hints[i] if i < len(hints) and hints[i] else None
        first = [p for p in (hint, conventional if i == 0 else None) if p is not None]
        match = next((p for p in [*first, *pool] if hashes.of(p) == sha), None)
        if match is not None:
            out.results.append(str(match))
            out.notes.append(f"{name}: {_rel(match, root)} (sha256 matches the render marker)")
            continue
        fallback = next((p for p in first if p.is_file()), None)
        if fallback is not None:
            out.results.append(str(fallback))
            out.notes.append(f"{name}: {_rel(fallback, root)} is STALE: its sha256 "
                             f"{hashes.of(fallback)[:12]} is not the {sha[:12]} the body was "
                             "rendered from")
            continue
        out.missing.append(name)
        out.notes.append(f"{name}: no file under {_rel(root, root) or '.'}/eval_results/ has "
                         f"sha256 {sha[:12]} (pass it with --results)")
        break  # a later file's index would shift: stop at the first missing one
    return out
