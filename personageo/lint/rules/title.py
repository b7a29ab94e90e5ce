"""The title's ``(LEVEL confidence)`` marker, and its match with the body's Confidence line."""

from __future__ import annotations

import re

from personageo.lint.registry import rule
from personageo.lint.rules._common import CONFIDENCE, at, h2, result_sections
from personageo.lint.rules.results_block import confidence_paragraphs
from personageo.lint.violation import Detail, Skip, Violation

_MARKER = re.compile(r"\((HIGH|MODERATE|LOW) confidence\)\s*$")


def _title_violation(ctx, message: str) -> Violation:
    where = "" if ctx.title_line else " (title given with --title)"
    return Violation(message + where, ctx.title_line or 1, 1)


def body_confidence(doc, ctx) -> list[tuple[str, int, str]]:
    """``(level, line, where)`` of the body's Confidence line(s).

    v2: the ``- **Confidence: LEVEL** — ...`` bullet of the AI TL;DR; v1: the Confidence line of
    ``### Results``.
    """
    if ctx.layout == "v2":
        tldr = h2(doc, r"^ai tl;dr")
        items = doc.in_section(doc.list_items, tldr) if tldr else []
        return [(CONFIDENCE.match(i.raw).group(1), i.line, "the AI TL;DR's Confidence bullet")
                for i in items if CONFIDENCE.match(i.raw)]
    sections = result_sections(doc, "v1")
    if not sections:
        return []
    return [(CONFIDENCE.match(p.raw).group(1), p.line, "the Results Confidence line")
            for p in confidence_paragraphs(doc, sections[0])]


@rule(id="PG218", name="title-confidence-marker", severity="error",
      check="Title confidence marker", requires=("title",), tags=("title",))
def title_confidence_marker(doc, ctx):
    """The title ends with ``(HIGH confidence)``, ``(MODERATE confidence)`` or ``(LOW confidence)``.

    What it does
    ------------
    Reads the title from ``--title`` or the frontmatter's ``title:`` and checks its ending.

    Why it matters
    --------------
    The tracker lists results by title; the marker is how a reader weighs a claim from the list.

    Example
    -------
    ``Full-parameter SFT collapses persona geometry (fairly confident)``

    Use instead
    -----------
    ``Full-parameter SFT collapses persona geometry (MODERATE confidence)``
    """
    if not _MARKER.search(ctx.title):
        yield _title_violation(ctx, "title does not end with `(HIGH|MODERATE|LOW confidence)`")


@rule(id="PG219", name="title-confidence-match", severity="error",
      check="Title/body confidence match", requires=("title",), tags=("title",))
def title_confidence_match(doc, ctx):
    """The title's confidence level equals the body's Confidence line.

    What it does
    ------------
    Compares the title marker's LEVEL with ``**Confidence: LEVEL**`` where each layout puts it:
    the AI TL;DR bullet on v2 bodies, the ``### Results`` line on v1 bodies. A v2 body without
    the bullet fails (a v1 body without the line is reported by PG208).

    Why it matters
    --------------
    A title saying HIGH over a body saying LOW misstates the result to everyone who only reads
    the list of issues.

    Example
    -------
    Title ``... (HIGH confidence)``, bullet ``- **Confidence: MODERATE** — single seed``.

    Use instead
    -----------
    Re-render the title from the same level as the bullet.
    """
    m = _MARKER.search(ctx.title)
    if m is None:
        yield Skip("title has no confidence marker (see PG218)")
        return
    title_level = m.group(1)
    found = body_confidence(doc, ctx)
    if not found:
        if ctx.layout == "v1":
            yield Skip("no Confidence line in `### Results` (see PG208)")
            return
        yield at(h2(doc, r"^ai tl;dr"), f"title says ({title_level} confidence) but the AI TL;DR "
                 "has no `**Confidence: LEVEL**` bullet to match")
        return
    for level, line, where in found:
        if level.upper() != title_level:
            yield Violation(f"title says ({title_level} confidence) but {where} says {level}",
                            line, 1)
    yield Detail(f"{title_level} in the title and {found[0][2]}")
