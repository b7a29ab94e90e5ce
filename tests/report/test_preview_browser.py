"""``report preview`` in a real headless Chromium (Debian's ``/usr/bin/chromium``, driven by
playwright): the page loads offline with no error and no request leaving the file, every figure
is decoded and displayed (``naturalWidth > 0``, visible, with a size on the page), and every
``<details>`` section closes and opens again on a click of its summary, its content hidden and
then shown.

``.ci/run`` installs Chromium; elsewhere these tests skip (with the reason) when Chromium or
playwright is absent, and under CI (``CI=true``) that absence is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from personageo.cli.main import main
from tests.reference import in_ci
from tests.report.conftest import NARRATIVE_238
from tests.report.test_preview import make_repo

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("PERSONAGEO_CHROMIUM", "/usr/bin/chromium"))
#: no GPU, no sandbox (root), and none of the background connections a closed network refuses
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"no Chromium at {CHROMIUM} (apt-get install chromium; "
                       "or set PERSONAGEO_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("playwright is not installed (pip install -e '.[dev]')")
    if missing:
        reason = "; ".join(missing)
        if in_ci():
            pytest.fail(f"CI checks the preview in a headless Chromium: {reason}")
        pytest.skip(reason)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


_FIGURES = """() => [...document.images].map((img) => {
  const box = img.getBoundingClientRect();
  return {alt: img.alt, complete: img.complete, natural: img.naturalWidth,
          width: box.width, height: box.height};
})"""


def problems(browser, page_path: Path) -> tuple[list[str], dict]:
    """Everything wrong with the page as Chromium shows it (empty: all good), and what it saw."""
    page = browser.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    found: list[str] = []
    try:
        page.goto(page_path.as_uri(), wait_until="load")
        page.wait_for_function("[...document.images].every((i) => i.complete)")
        if page.evaluate("document.readyState") != "complete":
            found.append("the page did not finish loading")
        sections = page.locator("details")
        for i in range(sections.count()):
            section = sections.nth(i)
            summary = section.locator(":scope > summary")
            name = summary.inner_text().strip().splitlines()[0] if summary.count() else f"#{i}"
            content = section.locator(":scope > :not(summary)").first
            if summary.count() != 1 or content.count() != 1:
                found.append(f"section {name!r}: no summary or no content")
                continue
            if section.evaluate("(d) => d.open"):
                summary.click()  # close it first: opening must be what shows the content
            if section.evaluate("(d) => d.open") or content.is_visible():
                found.append(f"section {name!r}: does not close")
            summary.click()
            if not section.evaluate("(d) => d.open") or not content.is_visible():
                found.append(f"section {name!r}: does not open")
        figures = page.evaluate(_FIGURES)  # every section is open now
        for fig in figures:
            if not (fig["complete"] and fig["natural"] > 0 and fig["width"] > 0
                    and fig["height"] > 0):
                found.append(f"figure {fig['alt']!r} not displayed: {fig}")
        seen = {"figures": [f["alt"] for f in figures], "sections": sections.count(),
                "tables": page.locator("table:visible").count(),
                "text": page.inner_text("body")}
    finally:
        page.close()
    found += [f"request left the page: {u[:80]}" for u in requests
              if not u.startswith(("file:", "data:"))]
    found += [f"browser error: {e}" for e in errors]
    return found, seen


def test_preview_in_chromium(tmp_path, browser, capsys):
    root = make_repo(tmp_path)
    assert main(["report", "preview", "--issue", "7", "--root", str(root)]) == 0
    found, seen = problems(browser, root / "reports" / "issue_7.preview.html")
    assert found == []
    assert seen["figures"] == ["local figure", "pinned figure"]
    assert seen["sections"] == 2 and seen["tables"] == 1
    assert "$x^2$" in seen["text"]  # no math rendering: the text as GitHub shows it


def test_demo_body_in_chromium(tmp_path, browser):
    body = REPO / "reports" / "issue_1.md"
    out = tmp_path / "issue_1.html"
    assert main(["report", "preview", "--issue", "1", "--root", str(REPO), "-o", str(out)]) == 0
    found, seen = problems(browser, out)
    assert found == []
    text = body.read_text(encoding="utf-8")
    assert seen["sections"] == text.count("<details") >= 4
    assert len(seen["figures"]) == text.count("![") >= 3
    assert seen["tables"] >= 1


@pytest.mark.slow  # a full render of 238 first
def test_238_body_in_chromium(tmp_path, browser, reference_dir):
    """The write-up of the README's 238 block (legacy results, 205 baseline, a narrative)."""
    for issue in (238, 205):
        target = tmp_path / "eval_results" / f"issue_{issue}" / "run_result.json"
        target.parent.mkdir(parents=True)
        shutil.copyfile(reference_dir / f"issue_{issue}" / "run_result.json", target)
    (tmp_path / "reports").mkdir()
    shutil.copyfile(NARRATIVE_238, tmp_path / "reports" / "issue_238.narrative.md")
    assert main(["report", "render", "--issue", "238", "--root", str(tmp_path), "--repo",
                 "acme/research", "--baseline", str(target)]) == 0
    assert main(["report", "preview", "--issue", "238", "--root", str(tmp_path)]) == 0
    found, seen = problems(browser, tmp_path / "reports" / "issue_238.preview.html")
    assert found == []
    text = (tmp_path / "reports" / "issue_238.md").read_text(encoding="utf-8")
    assert seen["sections"] == text.count("<details") >= 4
    assert len(seen["figures"]) == text.count("![") >= 3
    assert seen["tables"] >= 2


def test_a_broken_page_is_caught(tmp_path, browser):
    """The check can fail: a figure whose bytes are not an image, and a section whose summary
    does not toggle it, are each reported by name."""
    root = make_repo(tmp_path)
    (root / "figures" / "issue_7" / "ratio.png").write_bytes(b"not a png")
    assert main(["report", "preview", "--issue", "7", "--root", str(root)]) == 0
    page = root / "reports" / "issue_7.preview.html"
    found, _ = problems(browser, page)
    assert len(found) == 1 and found[0].startswith("figure 'pinned figure' not displayed")
    stuck = page.read_text(encoding="utf-8").replace(
        "<summary>", '<summary onclick="event.preventDefault()">', 1)
    page.write_text(stuck, encoding="utf-8")
    found, _ = problems(browser, page)
    assert found[0] == "section 'Setup details': does not open"
