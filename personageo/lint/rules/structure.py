"""Structure of the summary: the required H3s, the Human TL;DR, and the collapsible wrappers."""

from __future__ import annotations

import re
from collections import Counter

from personageo.lint.registry import rule
from personageo.lint.rules._common import at, h2, structured_block
from personageo.lint.violation import Detail, Violation

V1_ORDER = ["background", "methodology", "results", "next steps"]


def _v1(doc, block):
    heads = [s.heading for s in doc.find_sections(3, within=block)]
    keys = [h.key for h in heads]
    if keys == V1_ORDER:
        yield Detail("v1: Background, Methodology, Results, Next steps")
        return
    seen = Counter()
    for h in heads:
        seen[h.key] += 1
        if h.key not in V1_ORDER:
            yield Violation(f"unexpected H3 `### {h.title}` in `## {block.heading.title}` (v1 allows "
                            "exactly Background, Methodology, Results, Next steps)", h.line, 1)
        elif seen[h.key] > 1:
            yield Violation(f"second `### {h.title}` in `## {block.heading.title}`", h.line, 1)
    for name in V1_ORDER:
        if name not in keys:
            yield at(block, f"`## {block.heading.title}` has no `### {name.capitalize()}` H3")
    known = [h for h in heads if h.key in V1_ORDER]
    for before, h in zip(known, known[1:], strict=False):
        if V1_ORDER.index(h.key) < V1_ORDER.index(before.key):
            yield Violation(f"`### {h.title}` is out of order (expected Background, Methodology, "
                            "Results, Next steps)", h.line, 1)
            break


def _v2(doc, block):
    heads = [s.heading for s in doc.find_sections(3, within=block)]
    groups = {"background": [], "methodology": [], "result": [], "next steps": []}
    for h in heads:
        key = "result" if re.match(r"results?\b", h.key) else h.key
        if key in groups:
            groups[key].append(h)
    for name in ("background", "methodology"):
        found = groups[name]
        if not found:
            yield at(block, f"`## AI Summary` has no `### {name.capitalize()}` H3")
        for extra in found[1:]:
            yield Violation(f"second `### {extra.title}` (v2 allows exactly one)", extra.line, 1)
    if not groups["result"]:
        yield at(block, "`## AI Summary` has no `### Result ...` H3 (one per result claim)")
    for extra in groups["next steps"][1:]:
        yield Violation("second `### Next steps` (v2 allows at most one)", extra.line, 1)
    yield Detail(f"v2: Background + Methodology + {len(groups['result'])} Result section(s)")


@rule(id="PG201", name="summary-structure", severity="error", check="Summary structure",
      tags=("structure",))
def summary_structure(doc, ctx):
    """The structured summary holds exactly the required H3 sections.

    What it does
    ------------
    v1: the ``## TL;DR`` (or renamed ``## AI Summary``) block holds exactly ``### Background``,
    ``### Methodology``, ``### Results`` and ``### Next steps``, in that order. v2: ``## AI
    Summary`` holds one Background, one Methodology, at least one ``### Result ...`` and at most
    one ``### Next steps``. Headings inside code fences are code, not headings.

    Why it matters
    --------------
    Readers and tools jump to these sections by name; a missing or duplicated one hides results.

    Example
    -------
    A v2 body whose ``## AI Summary`` has ``### Results`` twice and no ``### Methodology``.

    Use instead
    -----------
    One ``### Background``, one ``### Methodology``, then ``### Result 1: <claim>`` ... .
    """
    block = structured_block(doc) if ctx.layout == "v1" else h2(doc, r"^ai summary$")
    if block is None:
        want = "`## TL;DR` (or `## AI Summary`)" if ctx.layout == "v1" else "`## AI Summary`"
        yield Violation(f"no {want} section holding the summary H3s", 1, 1)
        return
    yield from (_v1(doc, block) if ctx.layout == "v1" else _v2(doc, block))


@rule(id="PG202", name="human-tldr", severity="error", check="Human TL;DR", layouts=("v2",),
      tags=("structure",))
def human_tldr(doc, ctx):
    """A v2 body has a ``## Human TL;DR`` section.

    What it does
    ------------
    Checks that a ``## Human TL;DR`` H2 exists. Its content belongs to the researcher and is not
    checked: the placeholder line is fine.

    Why it matters
    --------------
    The human summary is where the researcher states the result in their own voice; the section
    must exist so that it is filled in before promotion.

    Example
    -------
    A body that starts directly with ``## AI TL;DR (human reviewed)``.

    Use instead
    -----------
    ``## Human TL;DR`` followed by ``_(Human TL;DR — to be filled in by the user. ...)_``.
    """
    if h2(doc, r"^human tl;dr") is None:
        tldr = h2(doc, r"^ai tl;dr")
        yield at(tldr, "no `## Human TL;DR` section (the placeholder line is enough)")
