"""What rules know besides the document: layout, title, issue metadata, results, options.

The layout (v1 / v2) is detected from the body's shape (:func:`detect_layout`), never from a
date. Title, issue number, creation date and labels come from command-line flags, else from the
body's frontmatter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from personageo.lint.document import Document
from personageo.markdown import Body

_CONFIDENCE_BULLET = re.compile(r"^\*\*Confidence:", re.I)


@dataclass
class LintContext:
    """Read-only facts about the linted body that are not in its markdown."""

    path: str
    layout: str
    """``v1`` or ``v2``."""
    layout_reasons: tuple[str, ...] = ()
    """The shape features that decided the layout."""
    title: str | None = None
    title_line: int | None = None
    """Line of ``title:`` when the title came from the frontmatter (else findings point at 1:1)."""
    issue: int | None = None
    created: str | None = None
    labels: tuple[str, ...] = ()
    results: tuple[str, ...] = ()
    claims: str | None = None
    strict: bool = False
    text: str = ""
    body: Body | None = None
    """The body as the markdown layer parsed it (shared by every rule: parsed once)."""
    cache: dict = field(default_factory=dict)
    """Scratch space shared by the rules of one run (e.g. the numbers check, computed once)."""

    def has(self, name: str) -> bool:
        """Whether a context field named in a rule's ``requires`` is available."""
        value = getattr(self, name)
        return bool(value) if not isinstance(value, int) else True


def detect_layout(doc: Document) -> tuple[str, tuple[str, ...]]:
    """Return ``("v1" | "v2", reasons)`` from the headings and wrappers of ``doc``.

    v1 signals: a ``## TL;DR`` block, a ``# Detailed report`` H1, an exact ``### Results`` H3, a
    ``**Main takeaways:**`` label. v2 signals: ``### Result N: ...`` H3s, ``<details open>``
    heading wrappers, a ``**Confidence:`` bullet in the AI TL;DR. More signals win; a tie (e.g.
    a body with no recognisable structure) is read as v2, the current layout.
    """
    v1: list[str] = []
    v2: list[str] = []
    if any(h.level == 2 and h.key == "tl;dr" for h in doc.headings):
        v1.append("`## TL;DR` block")
    if any(h.level == 1 and h.key == "detailed report" for h in doc.headings):
        v1.append("`# Detailed report` H1")
    if any(h.level == 3 and h.key == "results" for h in doc.headings):
        v1.append("`### Results` H3")
    if any(p.raw.startswith(("**Main takeaways:**", "**Main takeaways**:")) for p in doc.paragraphs):
        v1.append("`**Main takeaways:**` label")
    if any(h.level == 3 and re.match(r"result\s*\d+\b", h.key) for h in doc.headings):
        v2.append("`### Result N:` H3s")
    if any(d.open and d.summary_heading is not None for d in doc.details):
        v2.append("`<details open><summary>` heading wrappers")
    tldr = next((h for h in doc.headings if h.level == 2 and h.key.startswith("ai tl;dr")), None)
    if tldr is not None and any(
        tldr.line <= i.line <= tldr.section_end and _CONFIDENCE_BULLET.match(i.raw)
        for i in doc.list_items
    ):
        v2.append("`**Confidence:**` bullet in the AI TL;DR")
    if len(v1) > len(v2):
        return "v1", tuple(v1)
    return "v2", tuple(v2) or ("no v1 or v2 structure recognised; read as v2 (current layout)",)


def issue_int(value) -> int | None:
    """An issue number written as 7, "7" or "#7" (else None)."""
    try:
        return int(str(value).lstrip("#"))
    except (TypeError, ValueError):
        return None


def metadata_from_frontmatter(doc: Document) -> dict:
    """``title``, ``title_line``, ``issue``, ``created``, ``labels`` found in the frontmatter."""
    meta = doc.frontmatter or {}
    out: dict = {}
    if isinstance(meta.get("title"), str):
        out["title"] = " ".join(meta["title"].split())
        front = doc.body.front if doc.body is not None else None
        out["title_line"] = front.title_line + 1 if front and front.title_line is not None else 1
    for key in ("number", "issue", "issue_number", "sagan_number"):
        if issue_int(meta.get(key)) is not None:
            out["issue"] = issue_int(meta[key])
            break
    for key in ("created_at", "created"):
        if meta.get(key):
            out["created"] = str(meta[key])
            break
    labels = meta.get("labels")
    if isinstance(labels, list):
        out["labels"] = tuple(str(x) for x in labels)
    return out
