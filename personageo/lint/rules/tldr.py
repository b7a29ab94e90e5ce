"""The AI TL;DR: present, no placeholders, long enough, and a readable shape."""

from __future__ import annotations

from personageo.lint.registry import rule
from personageo.lint.rules._common import (
    SENTINELS,
    at,
    h2,
    hit_violation,
    regex_hits,
    sentence_count,
    structured_block,
    word_count,
)
from personageo.lint.violation import Detail, Skip

MIN_WORDS = 30
MAX_BULLETS = 7
MIN_SENTENCES = 3


def _tldr(doc, ctx):
    """The AI TL;DR section, or a Skip for v1 bodies of the original ``## TL;DR`` layout."""
    section = h2(doc, r"^ai tl;dr")
    if section is None and ctx.layout == "v1":
        block = structured_block(doc)
        if block is None or block.heading.key == "tl;dr":
            return None, Skip("v1 body in the `## TL;DR` layout, which has no AI TL;DR")
    return section, None


@rule(id="PG203", name="ai-tldr", severity="error", check="AI TL;DR paragraph",
      tags=("structure", "content"))
def ai_tldr(doc, ctx):
    """The AI TL;DR exists, has at least 30 words and no placeholder sentinels.

    What it does
    ------------
    Finds ``## AI TL;DR ...`` and checks its prose (code excluded) for ``{{``, ``TBD``, ``...``,
    ``…``, ``<TODO>``, ``XXX``, ``FIXME`` and ``N/A``, and that it has at least 30 words. v1 bodies
    in the original ``## TL;DR`` layout predate this section and are skipped.

    Why it matters
    --------------
    The TL;DR is the only part many readers see; a draft placeholder there is a visible error.

    Example
    -------
    ``## AI TL;DR`` followed by ``Result: TBD.``

    Use instead
    -----------
    A lede sentence, an ``In detail:`` paragraph and bullets with the actual findings.
    """
    section, skip = _tldr(doc, ctx)
    if skip is not None:
        yield skip
        return
    if section is None:
        yield at(None, "no `## AI TL;DR` section")
        return
    words = sum(word_count(p.text) for p in doc.in_section(doc.paragraphs, section))
    if words < MIN_WORDS:
        yield at(section, f"AI TL;DR has {words} words, needs at least {MIN_WORDS}")
    for m, run in regex_hits(doc, SENTINELS, section.line + 1, section.end_line):
        yield hit_violation(f"placeholder `{m.group(0)}` in the AI TL;DR", m, run)
    yield Detail(f"{words} words")


@rule(id="PG204", name="ai-tldr-shape", severity="warning", check="AI TL;DR shape",
      tags=("structure", "readability"))
def ai_tldr_shape(doc, ctx):
    """The AI TL;DR is either at most 7 bullets or at least 3 sentences of prose.

    What it does
    ------------
    Counts the top-level bullets of the AI TL;DR: more than 7 warns. Without bullets, counts the
    sentences of its prose: fewer than 3 warns.

    Why it matters
    --------------
    A TL;DR that is a wall of bullets, or a single sentence, does not summarise the experiment.

    Example
    -------
    Eleven bullets, each restating a table row.

    Use instead
    -----------
    Motivation, Experiment, one bullet per result and the Confidence bullet.
    """
    section, skip = _tldr(doc, ctx)
    if skip is not None or section is None:
        yield skip or Skip("no AI TL;DR (see PG203)")
        return
    items = doc.in_section(doc.list_items, section)
    top = [i for i in items if i.depth == min(x.depth for x in items)] if items else []
    if top:
        if len(top) > MAX_BULLETS:
            yield at(section, f"AI TL;DR has {len(top)} bullets, at most {MAX_BULLETS} read well")
        yield Detail(f"{len(top)} bullets")
        return
    prose = " ".join(p.text for p in doc.in_section(doc.paragraphs, section))
    n = sentence_count(prose)
    if n < MIN_SENTENCES:
        yield at(section, f"AI TL;DR prose has {n} sentence(s), at least {MIN_SENTENCES} expected")
    yield Detail(f"{n} sentences")
