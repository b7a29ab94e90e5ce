"""Acceptance: rendering issue 238's results regenerates the six tables of its published write-up.

The published text (``../shared/reference/issue_238/published_writeup.txt``) and the rendered
body are parsed independently into tables and compared cell by cell at the published precision
(the rendered text must equal the published text). Where the published text shows a value its
own results files do not hold, the disagreement is listed in ``EXPECTED_DISAGREEMENTS`` with the
reason, and the rendered cell must say "not recorded" rather than copy the text.
"""

from __future__ import annotations

import re

from personageo.schema.bindings import strip_keys

TABLE_NAMES = ["L20 headline", "verdicts", "40-cell grid", "ratios Method A", "ratios Method B",
               "weight norms"]

#: (table, row, column) -> (published, rendered, why). Row 0 is the header row.
EXPECTED_DISAGREEMENTS = {
    (0, 1, 1): ("1e-4", "not recorded",
                "LoRA's learning rate is in neither issue_238/run_result.json nor "
                "issue_205/run_result.json; the write-up typed it from memory"),
    (0, 2, 1): ("1e-4", "not recorded", "same as the row above (LoRA benign)"),
}

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


PUBLISHED = "issue_238/published_writeup.txt"  # in the reference material

def parse_tables(text: str) -> list[list[list[str]]]:
    """Consecutive ``|``-lines form a table; separator rows are dropped; links become text."""
    tables, current = [], []
    for line in text.splitlines():
        if line.strip().startswith("|"):
            cells = [_LINK.sub(r"\1", c).replace("**", "").strip()
                     for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def test_six_tables_match_published_cell_by_cell(rendered_238, reference_dir):
    published = parse_tables((reference_dir / PUBLISHED).read_text(encoding="utf-8"))
    ours = parse_tables(strip_keys(rendered_238.body))  # the text a reader sees
    assert len(published) == 6, "the published write-up has six tables"
    assert len(ours) == 6, f"rendered body has {len(ours)} tables"
    mismatches, seen_expected = [], set()
    for t, (pub, mine) in enumerate(zip(published, ours, strict=True)):
        assert len(mine) == len(pub), f"{TABLE_NAMES[t]}: {len(mine)} rows vs {len(pub)}"
        for r, (prow, mrow) in enumerate(zip(pub, mine, strict=True)):
            assert len(mrow) == len(prow), f"{TABLE_NAMES[t]} row {r}: {mrow} vs {prow}"
            for c, (p, m) in enumerate(zip(prow, mrow, strict=True)):
                if (t, r, c) in EXPECTED_DISAGREEMENTS:
                    want_pub, want_ours, _why = EXPECTED_DISAGREEMENTS[(t, r, c)]
                    assert (p, m) == (want_pub, want_ours), (t, r, c, p, m)
                    seen_expected.add((t, r, c))
                elif p != m:
                    mismatches.append(f"{TABLE_NAMES[t]} row {r} col {c}: published {p!r}, "
                                      f"rendered {m!r}")
    assert not mismatches, "\n".join(mismatches)
    assert seen_expected == set(EXPECTED_DISAGREEMENTS)


def test_every_table_number_is_a_recorded_claim(rendered_238):
    """Each numeric token of a table cell is located by a claim at its exact line:col."""
    at = {(c.line, c.col): c.text for c in rendered_238.sidecar.claims}
    token = re.compile(r"(?<![\w#.\-])[+-]?\d+(?:\.\d+)?(?:e-\d+)?×?(?:/\d+)?(?![\w.])")
    checked = 0
    for i, line in enumerate(rendered_238.body.split("\n"), start=1):
        if not line.startswith("| ") or line.startswith("|---"):
            continue
        # keep columns, drop links and the inline binding keys
        plain = _LINK.sub(lambda m: "\0" * len(m.group(0)), line)
        plain = re.sub(r"<!--pg:[\d,]+-->", lambda m: "\0" * len(m.group(0)), plain)
        for m in token.finditer(plain):
            assert at.get((i, m.start() + 1)) == m.group(0), (i, m.start() + 1, m.group(0), line)
            checked += 1
    assert checked >= 150  # 26 headline, 9 verdict, 40 grid, 58 ratio, 24 norm


#: Prose the narrative re-renders where the published text disagrees with its own JSON.
PROSE_DISAGREEMENTS = [
    ("all 40 post-train means land in [0.988, 0.999]",
     "all 40 post-train means land in [0.988, 1.000]",
     "the largest post-train M1 is 0.99952 (full_benign_lr1e4, Method B, L27), which rounds "
     "to 1.000 at three decimals; the write-up truncated it"),
]


def test_prose_disagreements_are_rendered_from_the_json(rendered_238, reference_dir):
    published = " ".join((reference_dir / PUBLISHED).read_text(encoding="utf-8").split())
    for theirs, ours, _why in PROSE_DISAGREEMENTS:
        assert theirs in published
        assert ours in strip_keys(rendered_238.body)
        assert theirs not in strip_keys(rendered_238.body)
