"""Rendering on the tracker: ``<details open><summary>`` heading wrappers, closed wrappers."""

from __future__ import annotations

import re

from personageo.lint.registry import rule
from personageo.lint.rules._common import h2
from personageo.lint.violation import Violation


@rule(id="PG217", name="collapsible-sections", severity="warning", check="Collapsible sections",
      layouts=("v2",), tags=("structure", "rendering"))
def collapsible_sections(doc, ctx):
    """v2 section headings are wrapped in ``<details open><summary>``.

    What it does
    ------------
    Each Background, Methodology and Result H3 of ``## AI Summary`` must sit inside the
    ``<summary>`` of a ``<details open>`` wrapper. Also flags a heading written inside an HTML
    block without blank lines around it, which the tracker shows as literal ``###`` text.

    Why it matters
    --------------
    The wrappers let readers fold long sections; a closed wrapper hides the result by default.

    Example
    -------
    ``<details><summary>`` (not ``open``) around ``### Result 1: ...``, or a bare ``### Background``.

    Use instead
    -----------
    ``<details open><summary>``, blank line, ``### Background``, blank line, ``</summary>``.
    """
    block = h2(doc, r"^ai summary$")
    heads = [s.heading for s in doc.find_sections(3, r"^(background|methodology|results?\b)",
                                                  within=block)] if block else []
    for h in heads:
        wrapper = doc.details_around(h.line)
        if wrapper is None:
            yield Violation(f"`### {h.title}` is not wrapped in `<details open><summary>`", h.line, 1)
        elif not wrapper.open:
            yield Violation(f"`### {h.title}` is in a closed `<details>`: use `<details open>`",
                            wrapper.line, wrapper.col)
    for html in doc.html_blocks:
        for k, text in enumerate(html.content.split("\n")):
            if re.match(r"^ {0,3}#{1,6}\s", text):
                yield Violation("heading inside an HTML block is shown as text: put a blank line "
                                "before and after it", html.line + k, 1)


@rule(id="PG221", name="unclosed-details", severity="error", check="Closed <details>",
      tags=("markdown", "rendering"))
def unclosed_details(doc, ctx):
    """Every ``<details>`` and ``<summary>`` is closed.

    What it does
    ------------
    Matches ``<details>``/``</details>`` and ``<summary>``/``</summary>`` across the body's HTML.

    Why it matters
    --------------
    An unclosed wrapper folds every later section into it on the tracker.

    Example
    -------
    ``<details open><summary>`` ... ``### Result 1`` ... with no ``</details>``.

    Use instead
    -----------
    Close ``</summary>`` after the heading and ``</details>`` at the end of the section.
    """
    for d in doc.details:
        if d.summary_line is not None and d.summary_end_line is None:
            yield Violation("`<summary>` is never closed", d.summary_line, 1)
        if not d.closed:
            yield Violation("`<details>` is never closed", d.line, d.col)
