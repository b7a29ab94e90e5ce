"""Hostile bodies: the ``<details>`` scan agrees with the standard library's HTML tokenizer on
ordinary HTML, and stays linear where that tokenizer rescans its buffer."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from personageo.lint.document import HtmlBlock
from personageo.lint.html_details import blank_comments, scan_details


class _Reference(HTMLParser):
    """The tokenizer the scan replaced, used here as the reference on well-formed HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, {a for a, _ in attrs}, *self.getpos()))

    def handle_endtag(self, tag):
        self.events.append(("end", tag, set(), *self.getpos()))

    def handle_data(self, data):
        self.events.append(("data", data, set(), *self.getpos()))


def _reference_scan(blocks):
    """The previous implementation of :func:`scan_details`, over :class:`_Reference`."""
    found, stack, in_summary = [], [], None
    for block in blocks:
        p = _Reference()
        p.feed(block.content)
        p.close()
        for kind, tag, attrs, rel, off in p.events:
            line = block.line + rel - 1
            if kind == "start" and tag == "details":
                d = {"line": line, "col": off + 1, "open": "open" in attrs, "end": None,
                     "s": None, "s_end": None, "html": ""}
                stack.append(d)
                found.append(d)
            elif kind == "start" and tag == "summary" and stack:
                in_summary = stack[-1]
                in_summary["s"] = line
            elif kind == "end" and tag == "summary" and in_summary is not None:
                in_summary["s_end"], in_summary = line, None
            elif kind == "end" and tag == "details" and stack:
                stack.pop()["end"] = line
            elif kind == "data" and in_summary is not None:
                in_summary["html"] += tag
    return found


_PIECES = st.sampled_from([
    "<details>", "<details open>", '<details class="x" open>', "<summary>", "</summary>",
    "</details>", "<b>", "</b>", "text", " ", "\n", "&amp;", "<!-- c -->", "<!-- <details> -->",
    "<br/>", "x < y", "Setup",
])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.lists(_PIECES, max_size=12).map("".join), min_size=1, max_size=4))
def test_scan_matches_the_stdlib_tokenizer_on_wellformed_html(contents):
    blocks = [HtmlBlock(c, 1 + 20 * i, 1 + 20 * i + c.count("\n")) for i, c in enumerate(contents)]
    got = [{"line": d.line, "col": d.col, "open": d.open, "end": d.end_line,
            "s": d.summary_line, "s_end": d.summary_end_line, "html": d.summary_html}
           for d in scan_details(blocks)]
    assert got == _reference_scan(blocks)


def test_unterminated_comments_hide_every_later_tag():
    text = "<!--" * 5_000 + "<details open><summary>x</summary></details>"
    assert scan_details([HtmlBlock(text, 1, 1)]) == []
    blanked = blank_comments("a<!-- b\nc -->d<!-- e")
    assert blanked == "a" + " " * 6 + "\n" + " " * 5 + "d" + " " * 6
    assert len(blanked) == len("a<!-- b\nc -->d<!-- e")


def test_many_unclosed_details_tags_are_each_a_wrapper():
    text = "<details " * 2_000
    assert scan_details([HtmlBlock(text, 1, 1)]) == []  # no '>' closes any of them
    text = "<details>" * 2_000
    found = scan_details([HtmlBlock(text, 3, 3)])
    assert len(found) == 2_000 and found[-1].col == 9 * 1_999 + 1 and not found[0].closed


def test_lint_stops_at_its_time_budget_with_an_input_error(monkeypatch):
    import pytest

    from personageo.errors import InputError
    from personageo.lint import engine

    monkeypatch.setattr(engine, "TIME_BUDGET_S", 0.2)
    text = "## A\n\n" + "x [" * 60_000 + "\n"  # markdown-it's link-label scan is quadratic here
    with pytest.raises(InputError, match="longer than 0.2 s") as err:
        engine.lint_text(text, "slow.md")
    assert err.value.location.path == "slow.md"
