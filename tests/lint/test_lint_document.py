"""The document model: sections from tokens, positions from one helper, wrappers, tables."""

from __future__ import annotations

from personageo.lint.document import parse_document
from personageo.markdown import SourceText

BODY = """\
---
title: A claim (LOW confidence)
number: 7
---
## AI Summary

<details open>
<summary>

### Background

</summary>

See [#5](https://github.com/o/r/issues/5) and `code #9`.

```python
# a comment, not a heading
x = 1
```

</details>

### Result 1: it works

| Condition | Δ M1 |
|---|---:|
| full `a\\|b` | +0.1110 |

![hero fig](https://raw.githubusercontent.com/o/r/abc1234/f.png) and a caption.

- item one
  - nested **bold**
"""


def doc():
    return parse_document(BODY, "body.md")


def test_frontmatter_is_parsed_and_lines_are_kept():
    d = doc()
    assert d.frontmatter == {"title": "A claim (LOW confidence)", "number": 7}
    assert d.frontmatter_lines == (1, 4)
    assert d.headings[0].line == 5 and d.headings[0].title == "AI Summary"


def test_code_fence_comment_does_not_end_a_section():
    d = doc()
    titles = [(h.level, h.title, h.line, h.section_end) for h in d.headings]
    assert titles == [(2, "AI Summary", 5, 33), (3, "Background", 10, 22),
                      (3, "Result 1: it works", 23, 33)]
    (fence,) = d.fences
    assert (fence.info, fence.line, fence.end_line, fence.closed) == ("python", 16, 19, True)
    assert fence.content.startswith("# a comment")


def test_details_wrapper_holds_the_heading():
    (w,) = doc().details
    assert (w.line, w.open, w.summary_line, w.summary_end_line, w.end_line) == (7, True, 8, 12, 21)
    assert w.summary_heading.title == "Background"
    assert doc().details_around(10) is not None and doc().details_around(23) is None


def test_table_cells_have_positions_and_escaped_pipes_stay_in_cells():
    (t,) = doc().tables
    assert [c.text for c in t.header] == ["Condition", "Δ M1"]
    row = t.rows[0]
    assert [c.text for c in row] == ["full a|b", "+0.1110"]
    line = BODY.split("\n")[row[1].line - 1]
    assert row[1].line == 27 and line[row[1].col - 1:row[1].end_col - 1] == "+0.1110"
    assert t.raw_cell_counts == [2, 2, 2]


def test_images_links_and_runs_are_located_in_the_source():
    d = doc()
    (img,) = d.images
    line = BODY.split("\n")[img.line - 1]
    assert (img.line, img.col, img.alt) == (29, 1, "hero fig")
    assert line[img.col - 1:img.end_col - 1].endswith("f.png)")
    link = d.links[0]
    assert link.href == "https://github.com/o/r/issues/5" and link.text == "#5"
    assert BODY.split("\n")[link.line - 1][link.col - 1] == "["
    code = [r for r, _ in d.runs if r.kind == "code"]
    assert code[0].text == "code #9"
    assert BODY.split("\n")[code[0].line - 1][code[0].col - 1:code[0].end_col - 1] == "code #9"


def test_repeated_words_get_successive_columns():
    d = parse_document("H2 and H2 again\n")
    cols = [r.col for r, _ in d.runs]
    assert cols == [1]  # one text run; regex hits inside it are offset from its column
    d = parse_document("**H2** and **H2**\n")
    assert [r.col for r, _ in d.runs if r.text == "H2"] == [3, 14]


def test_list_items_depth_and_raw_without_marker():
    items = doc().list_items
    assert [(i.line, i.depth, i.raw) for i in items] == [(31, 0, "item one"),
                                                         (32, 1, "nested **bold**")]


def test_top_level_blocks_in_order():
    kinds = [b.kind for b in doc().blocks]
    assert kinds[:4] == ["heading", "html_block", "heading", "html_block"]
    assert "table" in kinds and "bullet_list" in kinds


def test_source_text_offsets_round_trip():
    src = SourceText("ab\ncde\n\nf")
    for offset in range(len(src.text)):
        line, col = src.position(offset)
        assert src.offset(line, col) == offset
    assert src.position(3) == (2, 1) and src.line(4) == "f" and src.line(9) == ""


def test_every_inline_position_in_the_real_bodies_points_at_its_text(reference_dir):
    """The one position helper, checked on every run, image and link of the real bodies."""
    for body in sorted((reference_dir / "bodies").glob("*.md")):
        d = parse_document(body.read_text(encoding="utf-8"), str(body))
        assert d.runs and d.images and d.links
        for run, _owner in d.runs:
            assert d.source.line(run.line)[run.col - 1:run.end_col - 1] == run.text, (body, run)
        for image in d.images:
            assert d.source.line(image.line)[image.col - 1:].startswith("!["), (body, image)
            assert image.src in d.source.line(image.line)
        for link in d.links:
            assert d.source.line(link.line)[link.col - 1] in "[<", (body, link)


def test_entities_and_escapes_fall_back_without_crashing():
    d = parse_document("A &amp; B \\* C\n")
    assert [r.text for r, _ in d.runs] == ["A & B * C"]
    (run, _), = d.runs
    assert (run.line, run.col) == (1, 1)
