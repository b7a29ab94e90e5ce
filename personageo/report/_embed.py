"""Write the bindings into the body: an inline key after each rendered number, one table line.

The format is :mod:`personageo.schema.bindings` (and ``docs/regions.md``). The body is the one
source of truth: :func:`claims_in` reads the claims back from it.
"""

from __future__ import annotations

import re

from personageo.markdown import markers as M
from personageo.markdown import parse_body
from personageo.schema import bindings as B
from personageo.schema.claims import Claim, ClaimsSidecar, ResultsRef

#: What may stand between two numbers of one compound (range, interval, arrow, k/n, x ± y):
#: their keys share one comment after the last, so the comment never splits the compound.
_CONNECTOR = re.compile(r"^\s?(?:[–—\-→/±,]|->|\.\.)\s?$")


def _inline_safe(line: str, col0: int) -> bool:
    """Whether a comment may follow a number starting at ``col0`` of ``line`` unseen: not in a
    code span, not inside an HTML tag (an attribute), not in an image's alt text."""
    before = line[:col0]
    if before.count("`") % 2:
        return False
    lt = max(before.rfind("<"), -1)
    if lt > before.rfind(">") and not before.startswith("<!--", lt):
        return False
    img = before.rfind("![")
    return not (img >= 0 and "]" not in before[img:])


def _portable(ref: ResultsRef) -> ResultsRef:
    """Paths are kept relative to the research repo (a hint for ``report update`` and
    ``lint``; the sha256 identifies the file); an absolute path would show a machine's layout,
    so only its file name is kept."""
    path = ref.path.replace("\\", "/")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        path = path.rsplit("/", 1)[-1]
    return ref.model_copy(update={"path": path})


def _place(text: str, claims: list[Claim]) -> list[str]:
    """Where each claim's key goes: ``inline``, ``title`` or ``none``."""
    body = parse_body(text)
    lines = body.lines
    front = body.body_start
    title = body.front.title_line if body.front else None
    code = body.code_lines
    out = []
    for c in claims:
        i = c.line - 1
        if i < front:
            out.append("title" if i == title else "none")
        elif i in code or not _inline_safe(lines[i], c.col - 1):
            out.append("none")
        else:
            out.append("inline")
    return out


def embed_keys(text: str, claims: list[Claim], results: list[ResultsRef]
               ) -> tuple[str, B.BindingTable]:
    """``text`` (rendered, claims located in it) with the inline keys inserted, and the binding
    table to add with :func:`add_table` once the regions are marked. Key ``k`` is
    ``claims[k]``."""
    places = _place(text, claims)
    table = B.BindingTable(results=[_portable(r) for r in results], entries=[
        B.Entry(text=c.text, binding=c.binding, key=c.key, at=at)
        for c, at in zip(claims, places, strict=True)])
    lines = text.split("\n")
    by_line: dict[int, list[int]] = {}
    for k, (c, at) in enumerate(zip(claims, places, strict=True)):
        if at == "inline":
            by_line.setdefault(c.line - 1, []).append(k)
    for i, keys in by_line.items():
        keys.sort(key=lambda k: claims[k].col)
        groups: list[list[int]] = []
        for k in keys:
            if groups:
                last = claims[groups[-1][-1]]
                gap = lines[i][last.col - 1 + len(last.text):claims[k].col - 1]
                if _CONNECTOR.match(gap):
                    groups[-1].append(k)
                    continue
            groups.append([k])
        line = lines[i]
        for g in reversed(groups):
            last = claims[g[-1]]
            end = last.col - 1 + len(last.text)
            line = line[:end] + B.key_comment(g) + line[end:]
        lines[i] = line
    return "\n".join(lines), table


def add_table(text: str, table: B.BindingTable) -> str:
    """Put the binding-table line right after the render marker (outside every region: the
    table changes with every render, the regions' digests do not depend on it)."""
    lines = text.split("\n")
    marker = M.parse_render_marker(text)
    at = marker.line if marker is not None else parse_body(text).body_start
    lines.insert(at, B.encode_table(table))
    return "\n".join(lines)


def claims_in(body: str, body_sha256: str, version: str) -> ClaimsSidecar:
    """The claims a freshly rendered ``body`` carries (see :func:`personageo.schema.bindings.
    claims_of`)."""
    sidecar = B.claims_of(body, body_sha256, version)
    if sidecar is None:  # pragma: no cover - embed always writes the table
        raise RuntimeError("rendered body has no binding table")
    return sidecar
