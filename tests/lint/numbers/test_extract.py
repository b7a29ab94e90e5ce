"""Positions (1-based line, column) and contexts of numbers in a crafted markdown body."""

from __future__ import annotations

from personageo.lint.numbers import extract

BODY = """\
---
title: Claim 12 (HIGH confidence)
---
## AI TL;DR

M1 rose by +0.111 in `0.5 code` and [a 0.3 link](http://x.org/1.5) over 5.07×
the base; 19.5 → 98.7 on Qwen2.5-7B.

<details><summary><b>Setup details</b> — model</summary>

- seed = 42, steps 375
</details>

- ratios 0.99–1.36

![hero](https://raw.githubusercontent.com/o/r/abc1234/f.png)

**Figure 1.** Bars show 66 pairs.

M1 delta — Method A
| Condition | Method | L7 | L20 |
|---|---|---|---|
| full_em_lr2e5 | A | 0.0150 | `0.1100` |
| full_em_lr1e4 | A | 0.0160 | 3.0 / 3.5 |

```
1.234 in a fence
```

    9.99 in an indented code block
"""


def test_positions_and_contexts():
    got = [(c.line, c.col, c.text, c.context) for c in extract(BODY).claims]
    assert got == [
        (2, 14, "12", "prose"),  # the frontmatter title holds claims too
        (6, 12, "+0.111", "prose"),
        (6, 40, "0.3", "prose"),
        (6, 73, "5.07×", "prose"),
        (7, 11, "19.5", "prose"),
        (7, 18, "98.7", "prose"),
        (11, 10, "42", "setup"),
        (11, 20, "375", "setup"),
        (14, 10, "0.99", "list"),
        (14, 15, "1.36", "list"),
        (18, 25, "66", "caption"),
        (23, 23, "0.0150", "table"),
        (24, 23, "0.0160", "table"),
        (24, 32, "3.0", "table"),
        (24, 38, "3.5", "table"),
    ]
    lines = BODY.split("\n")  # oracle: each number is the first occurrence on its line here
    for line, col, text, _ in got:
        assert lines[line - 1].find(text) + 1 == col


def test_table_context():
    cell = [c for c in extract(BODY).claims if c.text == "0.0160"][0]
    assert cell.table.row_header == "full_em_lr1e4 | A"
    assert cell.table.column_header == "L7"
    assert cell.table.caption == "M1 delta — Method A"
    assert cell.end_col == cell.col + len("0.0160")


def test_hidden_numbers_are_kept_for_the_sidecar():
    hidden = {(c.line, c.text, c.hidden) for c in extract(BODY).hidden}
    assert (7, "2.5", "glued") in hidden  # Qwen2.5: an exclusion rule
    assert (23, "0.1100", None) not in hidden  # a code span is no number at all
    body = "| Layer | EM lr=2e-5 |\n|---|---|\n| 7 | 1.5 |\n"
    hidden = {(c.line, c.col, c.text, c.hidden) for c in extract(body).hidden}
    assert hidden == {(1, 17, "2e-5", "table header"), (3, 3, "7", "table key")}
    assert body.split("\n")[0].index("2e-5") + 1 == 17


def test_exclusions_are_recorded_with_positions():
    ex = extract(BODY)
    rules = {(line, e.text, e.rule) for line, _, e in ex.excluded}
    assert (7, "2.5", "glued") in rules
    assert (18, "1", "label") in rules


def test_unclosed_setup_card_ends_at_next_heading():
    body = "<details><summary><b>Setup details</b></summary>\n\n- seed 42\n\n## Next\n\n0.5\n"
    claims = extract(body).claims
    assert [(c.text, c.context) for c in claims] == [("42", "setup"), ("0.5", "prose")]


def test_tables_without_blank_lines_split_on_delimiter_rows():
    body = ("| A | B |\n|---|---|\n| x | 0.1 |\nTitle of ratio table\n| Layer | EM |\n|---|---|\n"
            "| 7 | 1.5 |\n")
    claims = extract(body).claims
    got = [(c.text, c.context, c.table and c.table.column_header) for c in claims]
    assert got == [("0.1", "table", "B"), ("1.5", "table", "EM")]
    assert claims[1].table.caption == "Title of ratio table"
