"""Region markers on a hand-written body: marking, digests, tracker round trip, conflicts,
damaged markers, splicing (no rendering here)."""

from __future__ import annotations

import hashlib

import pytest

from personageo.markdown import markers as M
from personageo.report import _regions as R
from personageo.report.update import find_conflicts
from personageo.schema.claims import Binding, Claim, ClaimsSidecar
from tests.report_update.helpers import tracker_roundtrip

BODY = """---
title: Toy claim in 3/4 cells (LOW confidence)
---
<!-- personageo:render v1 results=sha256:aaaa personageo=0.1.0 -->

## Human TL;DR

_(Human TL;DR — to be filled in by the user. Leave this line as-is in drafts.)_

## AI TL;DR (human reviewed)

Toy claim in 3/4 cells.

## AI Summary

<details open><summary>

### Result 1: Toy

</summary>

Intro text with 0.123 in it.

Full delta table

| Condition | L7 | L20 |
|---|---|---|
| em | 0.0150 | 0.1225 |

```text
<!-- personageo:gen end id=not-a-marker -->
```

</details>

## Source issues

- #7
"""


def _claim(line: int, col: int, text: str) -> Claim:
    return Claim(text=text, line=line, col=col,
                 binding=Binding(derivation="identity", paths=["/x"], value=0.0, spec=".4f"))


def _claims(text: str, wanted: list[str]) -> list[Claim]:
    out = []
    for i, line in enumerate(text.split("\n")):
        for w in wanted:
            col = line.find(w)
            if col >= 0:
                out.append(_claim(i + 1, col + 1, w))
    return out


NUMBERS = ["3/4", "0.123", "0.0150", "0.1225"]


@pytest.fixture
def marked():
    return R.mark(BODY, _claims(BODY, NUMBERS))


def _at(text: str, c: Claim) -> str:
    line = text.split("\n")[c.line - 1]
    return line[c.col - 1:c.col - 1 + len(c.text)]


def test_mark_wraps_every_line_and_moves_claims(marked):
    text, claims = marked
    assert len(claims) == len(_claims(BODY, NUMBERS))
    assert all(_at(text, c) == c.text for c in claims)
    body = R.parse(text)
    assert not body.problems and not body.stray
    ids = [g.id for g in body.gens]
    assert ids == ["human-tldr", "ai-tldr", "ai-summary", "result-1", "result-1/table-1",
                   "result-1/text-1", "source-issues"]
    (tldr,) = body.humans
    assert tldr.id == "tldr"
    assert body.human_content(tldr) == [
        "_(Human TL;DR — to be filled in by the user. Leave this line as-is in drafts.)_"]
    table = next(g for g in body.gens if g.id == "result-1/table-1")
    content = M.normalise_lines(body.lines[table.begin + 1:table.end])
    assert content[0] == "Full delta table" and content[-1] == "| em | 0.0150 | 0.1225 |"
    # every original line survives, in order
    fenced = "<!-- personageo:gen end id=not-a-marker -->"
    kept = [ln for ln in text.split("\n") if ln == fenced or not M.is_marker_like(ln)]
    assert [ln for ln in kept if ln.strip()] == [ln for ln in BODY.split("\n") if ln.strip()]


def test_marker_inside_a_code_fence_is_text(marked):
    body = R.parse(marked[0])
    assert "not-a-marker" not in {g.id for g in body.gens}
    assert not body.problems


def test_mark_is_idempotent(marked):
    text, claims = marked
    again, claims2 = R.mark(text, claims)
    assert again == text and claims2 == claims


def test_digest_is_sha256_of_normalised_content(marked):
    body = R.parse(marked[0])
    table = next(g for g in body.gens if g.id == "result-1/table-1")
    raw = "\n".join(ln for ln in body.lines[table.begin + 1:table.end] if ln)
    assert table.digest == hashlib.sha256(raw.encode()).hexdigest()[:16]
    assert all(g.digest == body.digest_of(g) for g in body.gens)
    assert body.seal[1] == hashlib.sha256(
        b"title: Toy claim in 3/4 cells (LOW confidence)").hexdigest()[:16]


def test_tracker_round_trip_keeps_digests():
    spaced = BODY.replace("Intro text with 0.123 in it.", "Intro text with 0.123 in it.  \t")
    marked, _ = R.mark(spaced)
    tracked = tracker_roundtrip(marked)
    assert "\r\n" in tracked and "\t" not in tracked
    body = R.parse(tracked)
    assert not body.problems
    assert find_conflicts(body, None, marked) == []


def test_human_edit_is_no_conflict_but_generated_edit_is(marked):
    text = marked[0].replace("_(Human TL;DR — to be filled in by the user. Leave this line "
                             "as-is in drafts.)_", "My own words.\n\nTwo paragraphs.")
    assert find_conflicts(R.parse(text), None, marked[0]) == []
    edited = text.replace("| em | 0.0150 |", "| em | 0.0160 |")
    sidecar = ClaimsSidecar(body_sha256="0", personageo_version="0", results=[],
                            claims=marked[1])
    conflicts = find_conflicts(R.parse(edited), sidecar, marked[0])
    assert [c.region for c in conflicts] == ["result-1/table-1"]
    line = edited.split("\n").index("| em | 0.0160 | 0.1225 |") + 1
    assert conflicts[0].line == line  # found through the sidecar, despite the moved lines
    assert "shows '0.0160' where '0.0150' was rendered" in conflicts[0].message
    # without a sidecar a number edit is still detected; the region's first line is named
    (bare,) = find_conflicts(R.parse(edited), None, marked[0])
    table = R.parse(edited).region_at(line - 1)
    assert (bare.region, bare.line) == ("result-1/table-1", table.begin + 1)
    # a word edit is found by comparison with the new render
    worded = text.replace("Full delta table", "Full delta table (edited)")
    (word,) = find_conflicts(R.parse(worded), None, marked[0])
    assert word.line == worded.split("\n").index("Full delta table (edited)") + 1


def test_blank_lines_around_markers_are_no_edit(marked):
    text = marked[0].replace("<!-- personageo:human begin id=tldr -->\n\n",
                             "<!-- personageo:human begin id=tldr -->\n")
    text = text.replace("## Human TL;DR\n\n", "## Human TL;DR\n")
    assert text != marked[0]
    assert find_conflicts(R.parse(text), None, marked[0]) == []


def test_front_matter_edit_is_a_conflict(marked):
    edited = marked[0].replace("(LOW confidence)", "(HIGH confidence)")
    conflicts = find_conflicts(R.parse(edited), None, marked[0])
    assert [c.region for c in conflicts] == ["front-matter"]


def test_text_outside_regions_is_a_conflict(marked):
    edited = marked[0].rstrip("\n") + "\n\nA note added at the very end.\n"
    conflicts = find_conflicts(R.parse(edited), None, marked[0])
    assert [c.region for c in conflicts] == ["outside regions"]
    assert conflicts[0].line == edited.split("\n").index("A note added at the very end.") + 1


@pytest.mark.parametrize("damage, message", [
    (lambda t: t.replace("<!-- personageo:gen end id=ai-tldr -->", "", 1), "does not close"),
    (lambda t: t.replace("id=background", "id=ai-tldr").replace(
        "<!-- personageo:gen end id=source-issues -->",
        "<!-- personageo:gen end id=source-issues -->\n\n"
        "<!-- personageo:gen begin id=ai-tldr sha256=0 -->\n\n"
        "<!-- personageo:gen end id=ai-tldr -->"), "used twice"),
    (lambda t: t.replace("<!-- personageo:human end id=tldr -->", ""), "does not close"),
    (lambda t: t.replace("personageo:gen begin id=result-1 ", "personageo:gen begin "),
     "without a valid id"),
    (lambda t: t.replace("<!-- personageo:gen end id=source-issues -->", ""), "never closed"),
    (lambda t: t.replace("<!-- personageo:gen end id=ai-summary -->",
                         "<!-- personageo:gen finish id=ai-summary -->"), "malformed"),
])
def test_damaged_markers_are_reported_with_their_line(marked, damage, message):
    damaged = damage(marked[0])
    assert damaged != marked[0]
    body = R.parse(damaged)
    assert any(message in p.message for p in body.problems), body.problems
    conflicts = find_conflicts(body, None, marked[0])
    assert any(c.region == "markers" for c in conflicts)
    assert all(c.line >= 1 for c in conflicts)


def test_unmarked_body_is_a_conflict():
    conflicts = find_conflicts(R.parse(BODY), None, BODY)
    assert [c.region for c in conflicts] == ["whole body"]


def test_splice_carries_human_text_and_moves_claims(marked):
    text, claims = marked
    old = R.parse(text.replace("_(Human TL;DR — to be filled in by the user. Leave this line "
                               "as-is in drafts.)_", "Line one, quoting 3/4.\nLine two."))
    new_text, new_claims = R.mark(BODY.replace("0.1225", "0.1300"),
                                  _claims(BODY.replace("0.1225", "0.1300"),
                                          ["3/4", "0.123", "0.0150", "0.1300"]))
    out, moved, carried, orphans = R.splice(new_text, new_claims, old)
    assert carried == ["tldr"] and orphans == []
    assert "Line one, quoting 3/4.\nLine two." in out
    assert "_(Human TL;DR" not in out
    assert all(_at(out, c) == c.text for c in moved) and len(moved) == len(new_claims)
    body = R.parse(out)
    assert all(g.digest == body.digest_of(g) for g in body.gens) and not body.problems


def test_splice_reports_orphans_and_drops_claims_of_replaced_regions():
    src = BODY.replace("## Source issues", "<!-- personageo:human begin id=notes -->\n\n"
                       "Notes with 0.5.\n\n<!-- personageo:human end id=notes -->\n\n"
                       "## Source issues")
    new_text, new_claims = R.mark(src, _claims(src, NUMBERS + ["0.5"]))
    assert any(c.text == "0.5" for c in new_claims)
    old = R.parse(R.mark(src)[0].replace("Notes with 0.5.", "Edited notes."))
    out, moved, carried, orphans = R.splice(new_text, new_claims, old)
    assert set(carried) == {"tldr", "notes"} and "Edited notes." in out
    assert not any(c.text == "0.5" for c in moved)
    plain, plain_claims = R.mark(BODY, _claims(BODY, NUMBERS))
    _, _, _, orphans = R.splice(plain, plain_claims, old)
    assert [h.id for h in orphans] == ["notes"]


# ---------------------------------------------------------------------------- property

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_WORD = st.sampled_from(["delta", "cells", "0.1225", "38/40", "+0.094", "1.31×", "L20", "M1",
                         "ratio", "—", "`code`", "**bold**", "Δ", "42"])
_TEXT = st.lists(_WORD, min_size=1, max_size=8).map(" ".join)


def _block(kind: str, text: str, n: int) -> list[str]:
    if kind == "h2":
        return [f"## Section {n} {text}"]
    if kind == "para":
        return [text, text]
    if kind == "table":
        return [f"Caption {text}", "", "| a | b |", "|---|---|", f"| {n} | {text} |"]
    if kind == "details":
        return ["<details open><summary>", "", f"### Result {n}: {text}", "", "</summary>", "",
                text, "", "</details>"]
    return ["```text", text, "```"]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(["h2", "para", "table", "details", "fence"]), _TEXT),
                min_size=1, max_size=10))
def test_mark_preserves_text_claims_and_digests(blocks):
    lines = ["---", "title: t", "---", "<!-- personageo:render v1 results=sha256:ab "
             "personageo=0 -->", "", "## Human TL;DR", "", "my words 38/40", "",
             "## AI TL;DR", ""]
    for n, (kind, text) in enumerate(blocks):
        lines += _block(kind, text, n) + [""]
    body = "\n".join(lines)
    claims = _claims(body, ["0.1225", "38/40", "+0.094", "1.31×"])
    marked, moved = R.mark(body, claims)
    assert all(_at(marked, c) == c.text for c in moved) and len(moved) == len(claims)
    kept = [ln for ln in marked.split("\n") if ln.strip() and not M.is_marker_like(ln)]
    assert kept == [ln for ln in lines if ln.strip()]
    for text in (marked, tracker_roundtrip(marked)):
        parsed = R.parse(text)
        assert not parsed.problems and not parsed.stray
        assert all(g.digest == parsed.digest_of(g) for g in parsed.gens)
        assert [h.id for h in parsed.humans] == ["tldr"]
        assert parsed.human_content(parsed.humans[0]) == ["my words 38/40"]
    assert R.mark(marked, moved) == (marked, moved)


def test_human_text_is_carried_as_written(marked):
    text, claims = marked
    old = R.parse(text.replace(
        "_(Human TL;DR — to be filled in by the user. Leave this line as-is in drafts.)_",
        "First line with a hard break  \nsecond line."))
    out, _, _, _ = R.splice(text, claims, old)
    assert "First line with a hard break  \nsecond line." in out
