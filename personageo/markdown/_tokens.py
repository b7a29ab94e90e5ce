"""The one markdown-it-py configuration: CommonMark (HTML on) plus GitHub's pipe tables.

Every body is tokenised by :data:`_PARSER` (through :class:`personageo.markdown.Body`, once per
body). Only the HTML preview renders, with the same configuration plus strikethrough (as the
tracker shows it); that one renderer lives here too, so no other module builds a parser.
"""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")
_RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_default_image = _RENDERER.renderer.rules["image"]


def _image(renderer, tokens, idx, options, env):
    hook = env.get("image") if isinstance(env, dict) else None
    if hook is not None:
        hook(tokens[idx])
    return _default_image(tokens, idx, options, env)


_RENDERER.add_render_rule("image", _image)


def tokenize(text: str) -> list[Token]:
    """markdown-it's block token stream of ``text`` (inline tokens carry their children)."""
    return _PARSER.parse(text)


def render_html(text: str, image: Callable[[Token], None] | None = None) -> str:
    """``text`` as HTML, the way the tracker renders it. ``image`` sees (and may change, e.g.
    its ``src``) each image token before it is written."""
    return _RENDERER.render(text, {"image": image} if image is not None else {})
