"""``report preview``: the page shows the body as the tracker does, self-contained. Checked
with the standard library's HTML parser (independent of markdown-it): every <details> and
<summary>, every table, and every figure as an <img> whose data URI holds the figure's bytes."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

from personageo.cli.main import main

REPO = Path(__file__).resolve().parents[2]
PNG = base64.b64decode(  # a 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


class Page(HTMLParser):
    """Elements of interest, with the <details> each one sits in."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.details: list[dict] = []
        self.images: list[dict] = []
        self.tables: list[int] = []  # depth of <details> around each table
        self.stack: list[dict] = []
        self.in_summary: dict | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "details":
            d = {"open": "open" in a, "summary": "", "inside": []}
            self.details.append(d)
            self.stack.append(d)
        elif tag == "summary" and self.stack:
            self.in_summary = self.stack[-1]
        elif tag == "img":
            self.images.append(a)
            for d in self.stack:
                d["inside"].append(a.get("alt"))
        elif tag == "table":
            self.tables.append(len(self.stack))

    def handle_endtag(self, tag):
        if tag == "details" and self.stack:
            self.stack.pop()
        elif tag == "summary":
            self.in_summary = None

    def handle_data(self, data):
        if self.in_summary is not None:
            self.in_summary["summary"] += data


BODY = """# Issue 7: a test body

Intro with an inline $x^2$ that stays text.

<details><summary><b>Setup details</b></summary>

| a | b |
|---|---|
| 1 | 2 |

![local figure](../figures/issue_7/hero.png)

</details>

<details open><summary>

### Results

</summary>

![pinned figure](https://raw.githubusercontent.com/o/r/0123abcd/figures/issue_7/ratio.png)

</details>
"""


def make_repo(tmp_path: Path) -> Path:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "issue_7.md").write_text(BODY)
    figs = tmp_path / "figures" / "issue_7"
    figs.mkdir(parents=True)
    (figs / "hero.png").write_bytes(PNG)
    (figs / "ratio.png").write_bytes(PNG + b"ratio")
    return tmp_path


def data_of(img: dict) -> bytes:
    src = img["src"]
    assert src.startswith("data:image/png;base64,"), src[:40]
    return base64.b64decode(src.split(",", 1)[1])


def test_preview_structure(tmp_path, capsys):
    root = make_repo(tmp_path)
    assert main(["report", "preview", "--issue", "7", "--root", str(root)]) == 0
    out = root / "reports" / "issue_7.preview.html"
    assert f"wrote {out} (2 figure(s) inlined)" in capsys.readouterr().out
    text = out.read_text()
    page = Page(text)
    assert [(d["open"], d["summary"].strip()) for d in page.details] == [
        (False, "Setup details"), (True, "Results")]
    assert [d["inside"] for d in page.details] == [["local figure"], ["pinned figure"]]
    assert [(i["alt"], data_of(i)) for i in page.images] == [
        ("local figure", PNG), ("pinned figure", PNG + b"ratio")]
    assert page.tables == [1]  # the table renders inside the first <details>
    assert "$x^2$" in text and "http" not in text  # no math; nothing fetched
    # run again: our own page is replaced; a file we did not write is not
    assert main(["report", "preview", "--issue", "7", "--root", str(root)]) == 0
    out.write_text("<p>mine</p>")
    assert main(["report", "preview", "--issue", "7", "--root", str(root)]) == 2
    assert out.read_text() == "<p>mine</p>"


def test_missing_figure_is_an_input_error(tmp_path, capsys):
    root = make_repo(tmp_path)
    (root / "figures" / "issue_7" / "ratio.png").unlink()
    assert main(["report", "preview", "--issue", "7", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "1 image(s) of the body not found" in err and "figures/issue_7/ratio.png" in err
    assert not (root / "reports" / "issue_7.preview.html").exists()


def test_demo_body_every_figure_and_section(tmp_path):
    body = REPO / "reports" / "issue_1.md"
    text = body.read_text()
    out = tmp_path / "p.html"
    assert main(["report", "preview", "--issue", "1", "--root", str(REPO), "-o", str(out)]) == 0
    page = Page(out.read_text())
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(page.images) == len(links) >= 3
    for img, link in zip(page.images, links, strict=True):
        assert data_of(img) == (body.parent / link).read_bytes()
    assert len(page.details) == text.count("<details") >= 4
    assert all(d["summary"].strip() for d in page.details)


def test_page_title_is_the_first_h1_not_a_line_in_code(tmp_path):
    from personageo.report.preview import render_preview

    body = "```\n# a comment in code\n```\n\nSee ~~old~~ new.\n\n# Real claim\n"
    page = render_preview(body, tmp_path / "b.md", tmp_path).html
    assert "<title>Real claim</title>" in page
    assert "<s>old</s>" in page  # strikethrough, as the tracker shows it
