"""Sample outputs: v1 ``### Condition:`` sections with fenced samples, v2 samples per Result."""

from __future__ import annotations

from personageo.lint.registry import rule
from personageo.lint.rules._common import at, h2, result_sections
from personageo.lint.violation import Detail, Violation

V1_MIN_FENCES = 3
V2_MIN_FENCES = 2


def _fences(doc, section) -> int:
    return sum(1 for f in doc.in_section(doc.fences, section) if f.fenced)


def _v1(doc):
    section = h2(doc, r"^sample outputs")
    if section is None:
        yield at(doc.section(1, r"^detailed report$"), "no `## Sample outputs` section")
        return
    conditions = doc.find_sections(3, r"^condition", within=section)
    proper = [c for c in conditions if c.heading.key.startswith("condition:")]
    for c in conditions:
        if c not in proper:
            yield Violation(f"`### {c.heading.title[:40]}…` is not `### Condition: <name>`",
                            c.heading.line, 1)
    if not conditions:
        blocks = _fences(doc, section)
        yield at(section, f"`## Sample outputs` has no `### Condition: <name>` H3s "
                 f"({blocks} fenced block(s), samples must be fenced per condition)")
    for c in proper:
        n = _fences(doc, c)
        if n < V1_MIN_FENCES:
            yield Violation(f"`### {c.heading.title}` has {n} fenced sample(s), needs "
                            f"{V1_MIN_FENCES}", c.heading.line, 1)


def _v2(doc, ctx):
    sections = result_sections(doc, "v2")
    for s in sections:
        n = _fences(doc, s)
        if n < V2_MIN_FENCES:
            yield at(s, f"`### {s.heading.title[:50]}` has {n} fenced sample block(s), needs "
                     f"{V2_MIN_FENCES}")
    if sections:
        yield Detail(f"{len(sections)} Result section(s) checked")


@rule(id="PG215", name="sample-outputs", severity="error", check="Sample outputs",
      tags=("content",))
def sample_outputs(doc, ctx):
    """Sample model outputs are shown, fenced, per condition (v1) or per Result section (v2).

    What it does
    ------------
    v1: ``## Sample outputs`` holds ``### Condition: <name>`` H3s with at least 3 fenced blocks
    each; an H3 like ``### Condition = ...`` or samples written as quotes are reported. v2: every
    ``### Result ...`` section holds at least 2 fenced sample blocks.

    Why it matters
    --------------
    Raw outputs let a reader see what the numbers measure, and catch a broken pipeline.

    Example
    -------
    A ``### Result 1`` section with one quoted sample.

    Use instead
    -----------
    Fenced blocks with ``[persona]:`` / ``[prompt]:`` / ``[output]:`` lines.
    """
    yield from (_v1(doc) if ctx.layout == "v1" else _v2(doc, ctx))
