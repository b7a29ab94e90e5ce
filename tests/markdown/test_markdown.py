"""The markdown layer: front matter, positions, tables, regions; one parse per body.

Every expected value here is written by hand from the input text."""

from __future__ import annotations

import pytest

from personageo.errors import InputError
from personageo.markdown import (
    BlockCursor,
    SourceText,
    Span,
    cell_columns,
    parse_body,
    read_front_matter,
    split_row,
    write_front_matter,
)

# ----------------------------------------------------------------------------- front matter


def test_front_matter_with_crlf_line_ends():
    body = parse_body("---\r\ntitle: A 12\r\nn: 3\r\n---\r\nbody\r\n")
    assert body.front is not None
    assert body.front.close == 3 and body.body_start == 4 and body.front.title_line == 1
    assert body.front.data() == {"title": "A 12", "n": 3}
    assert body.lines[4] == "body" and "\r" not in body.text


def test_front_matter_after_a_byte_order_mark():
    body = parse_body("\ufeff---\ntitle: x\n---\n# Heading\n")
    assert body.text.startswith("---\n")
    assert body.front is not None and body.front.data() == {"title": "x"}
    assert body.first_heading(1) == "Heading"


def test_unterminated_front_matter_is_a_thematic_break():
    body = parse_body("---\ntitle: x\n\nText.\n")
    assert body.front is None and body.body_start == 0
    assert body.tokens[0].type == "hr"


def test_front_matter_needs_dashes_alone_at_the_start():
    assert read_front_matter(["  ---", "a: 1", "---"]) is None
    assert read_front_matter(["text", "---", "a: 1", "---"]) is None
    dots = read_front_matter(["--- ", "a: 1", "...", "rest"])
    assert dots is not None and dots.close == 2 and dots.body_start == 3


def test_front_matter_that_is_not_a_mapping_is_a_located_error():
    body = parse_body("---\n- a\n- b\n---\n", "list.md")
    assert body.front.load() == ["a", "b"]
    with pytest.raises(InputError, match="mapping") as info:
        body.front.data()
    assert (info.value.location.path, info.value.location.line,
            info.value.location.col) == ("list.md", 2, 1)


def test_invalid_front_matter_yaml_names_its_line():
    body = parse_body("---\ntitle: ok\nbad: a: b\n---\n", "bad.md")
    with pytest.raises(InputError, match="front matter") as info:
        body.front.data()
    assert info.value.location.path == "bad.md" and info.value.location.line == 3


def test_empty_front_matter_is_an_empty_mapping():
    body = parse_body("---\n---\nText\n")
    assert body.front.data() == {} and body.body_start == 2 and body.front.title_line is None


def test_front_matter_is_parsed_as_blank_lines():
    # unblanked, "title: x" over "---" would be a setext heading, and the ``` would open a fence
    body = parse_body("---\ntitle: x\nnote: ```\n---\n# Real\n")
    assert [t.type for t in body.tokens][:3] == ["heading_open", "inline", "heading_close"]
    assert body.tokens[0].map == [4, 5] and body.code_lines == set()


@pytest.mark.parametrize("meta", [
    {"title": "Δ M1 < 0 in 38/40 cells (LOW confidence)", "issue": 7, "labels": ["a", "b"]},
    {"title": "a title: with a colon\nand a second line", "created": "2026-12-02T10:00:00Z"},
    {},
])
def test_written_front_matter_reads_back(meta):
    text = write_front_matter(meta, "# Body\n\n---\n")
    body = parse_body(text)
    assert body.front.data() == meta
    assert body.lines[body.body_start:] == ["# Body", "", "---", ""]
    assert body.first_heading(1) == "Body"


# ----------------------------------------------------------------------------- positions

TEXT = "αβ\n😀x\n\nend"


def test_positions_are_characters_not_bytes():
    src = SourceText(TEXT)
    assert src.n_lines == 4 and src.line(2) == "😀x" and src.line(9) == ""
    assert src.position(0) == (1, 1)
    assert src.position(3) == (2, 1)  # "αβ\n" is three characters
    assert src.position(4) == (2, 2)  # the emoji is one
    assert src.position(7) == (4, 1)
    assert src.offset(4, 3) == 9 and src.position(9) == (4, 3)
    assert src.span(0, 2) == Span(1, 1, 1, 3)
    assert src.span(4, 8) == Span(2, 2, 4, 2)


def test_offset_and_position_round_trip():
    src = SourceText(TEXT)
    for offset in range(len(TEXT) + 1):
        assert src.offset(*src.position(offset)) == offset


def test_block_cursor_finds_repeated_words_in_order():
    src = SourceText("intro\nthe cat and the dog\n")
    cursor = BlockCursor(src, [1, 2])
    first, second = cursor.find("the"), cursor.find("the")
    assert src.position(first[0]) == (2, 1) and src.position(second[0]) == (2, 13)
    assert cursor.find("bird")[2] is False


# ----------------------------------------------------------------------------- tables

ROW = "| a | b \\| c | d |"


def test_split_row_keeps_escaped_pipes_inside_a_cell():
    assert split_row(ROW) == [(1, 4), (5, 13), (14, 17)]
    assert split_row("a | b") == [(0, 2), (3, 5)]


def test_cell_columns_are_the_cell_contents():
    assert cell_columns(ROW) == [(3, 4), (7, 13), (16, 17)]
    assert cell_columns("|  | x |") == [(2, 2), (6, 7)]


def test_tables_rows_and_lines():
    text = ("Caption\n\n| k | v |\n|---|---|\n| L7 | 0.5 |\n| L14 | 0.25 |\n\nText.\n\n"
            "| a |\n|---|\n| 1 |\n")
    tables = parse_body(text).tables
    assert [(t.line, t.end_line) for t in tables] == [(3, 6), (10, 12)]
    first = tables[0]
    assert [(r.line, r.header, r.texts) for r in first.rows] == [
        (3, True, ["k", "v"]), (5, False, ["L7", "0.5"]), (6, False, ["L14", "0.25"])]
    tokens = parse_body(text).tokens
    assert tokens[first.open_index].type == "table_open"
    assert tokens[first.close_index].type == "table_close"


# ----------------------------------------------------------------------------- regions

REGIONED = """---
title: T
---
<!-- personageo:gen above id=front-matter sha256=0000000000000000 -->
<!-- personageo:gen begin id=intro sha256=1111111111111111 -->
Intro.
<!-- personageo:human begin id=tldr -->
Mine.
<!-- personageo:human end id=tldr -->
<!-- personageo:gen end id=intro -->
stray text
```
<!-- personageo:gen begin id=in-code sha256=2222222222222222 -->
```
<!-- personageo:human begin id=open -->
"""


def test_regions_are_read_outside_code_and_front_matter():
    regions = parse_body(REGIONED).regions
    assert regions.front_end == 3 and regions.seal == (3, "0000000000000000")
    assert [(g.id, g.begin, g.end, g.digest) for g in regions.gens] == [
        ("intro", 4, 9, "1111111111111111")]
    assert [(h.id, h.begin, h.end) for h in regions.humans] == [("tldr", 6, 8)]
    assert regions.stray == [10]  # lines 11-13 are the fence (code: never markers, never stray)
    assert [(p.line, p.message) for p in regions.problems] == [
        (15, "human region id=open is never closed")]
    assert regions.human_content(regions.humans[0]) == ["Mine."]
    assert regions.gen_content(regions.gens[0]) == ["Intro.", "<human region tldr>"]
    assert regions.region_at(7).id == "tldr" and regions.region_at(5).id == "intro"


def test_region_end_that_closes_the_wrong_region_is_a_problem():
    text = ("<!-- personageo:gen begin id=a sha256=1111111111111111 -->\n"
            "<!-- personageo:gen end id=b -->\n")
    problems = parse_body(text).regions.problems
    assert [p.line for p in problems] == [2, 1]
    assert "does not close the open gen region id=a (line 1)" in problems[0].message


# ----------------------------------------------------------------------------- one parse


def test_body_helpers():
    body = parse_body("# One\n\n## Two\n\n    code\n\n![fig](figures/a.png) and ![b](https://x/b.png)\n")
    assert body.first_heading(1) == "One" and body.first_heading(2) == "Two"
    assert body.first_heading(3) is None
    assert body.code_lines == {4}
    assert body.images() == [("figures/a.png", 7), ("https://x/b.png", 7)]


def test_lint_tokenises_a_body_once(monkeypatch):
    from personageo.lint.engine import lint_text
    from personageo.markdown import _body

    calls = []
    real = _body.tokenize

    def counting(text):
        calls.append(len(text))
        return real(text)

    monkeypatch.setattr(_body, "tokenize", counting)
    text = "---\ntitle: Claim (LOW confidence)\n---\n# Claim\n\n| k | v |\n|---|---|\n| a | 0.5 |\n"
    lint_text(text, "b.md")
    assert len(calls) == 1
