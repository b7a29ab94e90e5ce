"""Figures of the Result sections: a commit-pinned hero figure, and a caption under every image."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

from personageo.files import parse_repo
from personageo.lint.registry import rule
from personageo.lint.rules._common import at, result_sections, word_count
from personageo.lint.violation import Detail, Violation

MIN_CAPTION_WORDS = 10
_HEX = re.compile(r"^[0-9a-f]{7,40}$")
_LABEL = re.compile(r"^\*\*[^*\n]+:\*\*|^\*\*[^*\n]+\*\*:")


def result_images(doc, ctx):
    sections = result_sections(doc, ctx.layout)
    return sections, [i for s in sections for i in doc.in_section(doc.images, s)]


def _img(image, message):
    return Violation(message, image.line, image.col, image.line, image.end_col)


@rule(id="PG205", name="hero-figure", severity="error", check="Hero figure", tags=("figures",))
def hero_figure(doc, ctx):
    """The Result section(s) hold at least one image, the hero figure.

    What it does
    ------------
    Looks for an image in ``### Results`` (v1) or the ``### Result ...`` sections (v2).

    Why it matters
    --------------
    Every clean result leads with one figure that shows the claim.

    Example
    -------
    A ``### Result 1: ...`` section with only tables.

    Use instead
    -----------
    ``![what it shows](https://raw.githubusercontent.com/<owner>/<repo>/<sha>/figures/x.png)``.
    """
    sections, images = result_images(doc, ctx)
    if not images:
        yield at(sections[0] if sections else None, "no image in the Result section(s): "
                 "the hero figure is missing")
    else:
        yield Detail(f"{len(images)} figure(s)")


@rule(id="PG206", name="hero-figure-url", severity="warning", check="Hero figure URL",
      tags=("figures", "reproducibility"))
def hero_figure_url(doc, ctx):
    """The hero figure is served from raw.githubusercontent.com at a pinned commit.

    What it does
    ------------
    Checks the first image of the Result section(s): its host is ``raw.githubusercontent.com``,
    its path starts with a valid ``OWNER/NAME`` and holds no ``.``/``..`` segment, query or
    fragment, its ref is not a branch (``main``, ``master``) and some path segment is a 7-40
    digit hex commit. A relative link is accepted in a body read in the repository when it
    resolves to a file next to the body (``report render`` writes such links; ``report post``
    pins them to the commit that holds the figure); one that resolves to no file is reported.

    Why it matters
    --------------
    A branch URL changes when the figure is regenerated, so the published claim silently starts
    showing a different plot; images cannot be uploaded through the API, so they are committed.

    Example
    -------
    ``https://raw.githubusercontent.com/o/r/main/figures/hero.png``

    Use instead
    -----------
    ``https://raw.githubusercontent.com/o/r/3a958fba/figures/hero.png``
    """
    _sections, images = result_images(doc, ctx)
    if not images:
        return
    hero = images[0]
    url = urlparse(hero.src)
    if not url.scheme and not url.netloc:
        if (Path(ctx.path).parent / unquote(url.path)).is_file():
            yield Detail("relative link to a file in the repository (pinned by `report post`)")
        else:
            yield _img(hero, f"hero figure is a relative link to no file ({hero.src}); the "
                             "tracker shows only commit-pinned raw.githubusercontent.com URLs")
        return
    parts = [p for p in url.path.split("/") if p]
    if url.netloc != "raw.githubusercontent.com":
        yield _img(hero, f"hero figure is not a raw.githubusercontent.com URL ({url.netloc or hero.src})")
    elif len(parts) < 2 or parse_repo("/".join(parts[:2])) is None:
        yield _img(hero, "hero figure URL does not start with a valid OWNER/NAME")
    if url.query or url.fragment or any(unquote(p) in (".", "..") for p in
                                        url.path.split("/")):
        yield _img(hero, "hero figure URL has a '.'/'..' segment, a query or a fragment")
    if any(p in ("main", "master") for p in parts):
        yield _img(hero, "hero figure URL points at a branch (`main`/`master`), not a commit")
    elif not any(_HEX.match(p) for p in parts):
        yield _img(hero, "hero figure URL has no commit segment (7-40 hex digits)")


def _caption_words(doc, image) -> int:
    words = 0
    para = next(iter(doc.within(doc.paragraphs, image.block_line, image.block_line)), None)
    if para is not None:
        after = [r for r in para.runs if r.kind != "break" and (r.line, r.col) > (image.line, image.col)]
        words += word_count(" ".join(r.text for r in after))
    for block in doc.after(doc.blocks, para.end_line if para else image.line):
        if block.kind != "paragraph" or block.ref is None:
            break
        if doc.within(doc.images, block.line, block.end_line) or _LABEL.match(block.ref.raw):
            break
        words += word_count(block.ref.text)
    return words


@rule(id="PG207", name="figure-caption", severity="error", check="Figure captions",
      tags=("figures",))
def figure_caption(doc, ctx):
    """Every image in the Result section(s) is followed by a caption of at least 10 words.

    What it does
    ------------
    Counts the words after each image: the rest of its paragraph and the paragraphs that follow,
    up to a bold ``**Label:**`` paragraph, a heading, another image, a rule or any non-paragraph
    block.

    Why it matters
    --------------
    A figure without a caption says nothing about its panels, bars, colours, N or p.

    Example
    -------
    An image followed directly by ``**Main takeaways:**``.

    Use instead
    -----------
    ``**Figure 1.** *<lead claim.>* <what the panels, colours, N and p mean>``.
    """
    _sections, images = result_images(doc, ctx)
    for image in images:
        n = _caption_words(doc, image)
        if n < MIN_CAPTION_WORDS:
            yield _img(image, f"figure has a {n}-word caption, needs at least {MIN_CAPTION_WORDS} words")
