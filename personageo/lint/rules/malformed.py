"""Malformed markdown: unclosed fences and ``<details>``, broken tables, over-long bodies."""

from __future__ import annotations

from personageo.lint.registry import rule
from personageo.lint.violation import Violation

MAX_BODY_CHARS = 65_536


@rule(id="PG220", name="unclosed-fence", severity="error", check="Closed code fences",
      tags=("markdown",))
def unclosed_fence(doc, ctx):
    """Every code fence is closed.

    What it does
    ------------
    Reports a fence (```` ``` ```` or ``~~~``) that runs to the end of the body.

    Why it matters
    --------------
    Everything after an unclosed fence renders as code: the rest of the write-up disappears.

    Example
    -------
    A sample block opened with ```` ``` ```` and never closed.

    Use instead
    -----------
    Close each fence with the same marker.
    """
    for fence in doc.fences:
        if fence.fenced and not fence.closed:
            yield Violation("code fence is never closed: the rest of the body renders as code",
                            fence.line, 1)


@rule(id="PG222", name="broken-table", severity="error", check="Tables parse",
      tags=("markdown", "tables"))
def broken_table(doc, ctx):
    """Text that looks like a table is parsed as one.

    What it does
    ------------
    Reports a paragraph of two or more ``| ... |`` lines that did not parse as a table (a missing
    or malformed ``|---|`` delimiter row, or a delimiter with the wrong number of cells).

    Why it matters
    --------------
    The tracker then shows the raw pipes, and no tool can read the table's numbers.

    Example
    -------
    ``| a | b |`` directly followed by ``| 1 | 2 |``.

    Use instead
    -----------
    ``| a | b |``, ``|---|---|``, ``| 1 | 2 |``.
    """
    for p in doc.paragraphs:
        lines = p.raw.split("\n")
        if len(lines) >= 2 and all(x.startswith("|") and x.rstrip().endswith("|") for x in lines[:2]):
            yield Violation("looks like a table but does not parse as one (check the `|---|` "
                            "delimiter row)", p.line, 1)


@rule(id="PG223", name="table-cell-count", severity="warning", check="Table rows",
      tags=("markdown", "tables"))
def table_cell_count(doc, ctx):
    """Every table row has as many cells as the header.

    What it does
    ------------
    Compares the cells written on each row with the header's count.

    Why it matters
    --------------
    Extra cells are silently dropped and missing ones left blank, so a number can vanish.

    Example
    -------
    A header of 5 columns above a row of 6 cells.

    Use instead
    -----------
    Escape pipes inside cells as ``\\|`` and keep one cell per column.
    """
    for table in doc.tables:
        want = table.raw_cell_counts[0] if table.raw_cell_counts else 0
        for k, n in enumerate(table.raw_cell_counts[2:], start=2):
            if n != want:
                yield Violation(f"row has {n} cells, the header has {want}", table.line + k, 1)


@rule(id="PG224", name="body-too-long", severity="error", check="Body length",
      tags=("markdown", "tracker"))
def body_too_long(doc, ctx):
    """The body fits the tracker's 65,536-character limit.

    What it does
    ------------
    Counts the characters of the body (frontmatter excluded).

    Why it matters
    --------------
    The tracker rejects longer issue bodies, so posting fails after everything else passed.

    Example
    -------
    A body with the full 400-cell grid inlined.

    Use instead
    -----------
    Keep the headline tables; link the full grid from the results file.
    """
    text = doc.source.text
    start = doc.source.offset(doc.frontmatter_lines[1] + 1) if doc.frontmatter_lines else 0
    if len(text) - start > MAX_BODY_CHARS:
        line, col = doc.source.position(start + MAX_BODY_CHARS)
        yield Violation(f"body has {len(text) - start:,} characters, the tracker allows "
                        f"{MAX_BODY_CHARS:,}", line, col)
