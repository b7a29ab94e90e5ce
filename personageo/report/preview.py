"""``report preview``: a self-contained HTML page showing a body as the tracker would.

The body is rendered with markdown-it-py in CommonMark mode with raw HTML and tables on (as
GitHub does: ``<details>`` stay collapsible, markdown inside them renders) and no math. Every
image (relative path, or a ``raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>`` URL pinned
by ``report render``) is read from the working tree and inlined as a ``data:`` URI, so the page
opens anywhere without network; an image that cannot be found is an error, never a broken page.
"""

from __future__ import annotations

import base64
import html
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from personageo.errors import InputError, Location
from personageo.files import atomic_write_text, read_text

GENERATOR = "personageo report preview"
_RAW_HOST = "raw.githubusercontent.com"
_STYLE = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;
max-width:980px;margin:2em auto;padding:0 1em;line-height:1.5;color:#1f2328}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #d1d9e0;padding:6px 13px}
tr:nth-child(2n){background:#f6f8fa}img{max-width:100%}code{background:#eff1f3;padding:.1em .3em}
details{margin:.5em 0}summary{cursor:pointer}
"""


@dataclass
class Preview:
    html: str
    images: list[str]
    """Source of every image inlined, in order."""


def image_file(src: str, body_dir: Path, root: Path) -> Path | None:
    """The local file an image ``src`` of a body stands for (None for other hosts)."""
    url = urlparse(src)
    if url.scheme in ("http", "https"):
        if url.netloc != _RAW_HOST:
            return None
        parts = unquote(url.path).lstrip("/").split("/")
        return root.joinpath(*parts[3:]) if len(parts) > 3 else None  # owner/repo/ref/path
    if url.scheme:
        return None
    return body_dir / unquote(url.path)


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def render_preview(body: str, body_path: Path, root: Path) -> Preview:
    """The page for ``body`` (read from ``body_path``; images resolved against its folder and
    the repository ``root``)."""
    images: list[str] = []
    missing: list[str] = []

    def inline_image(token) -> None:
        src = token.attrGet("src") or ""
        path = image_file(src, body_path.parent, root)
        if path is None or not path.is_file():
            missing.append(src)
        else:
            token.attrSet("src", _data_uri(path))
            images.append(src)

    from personageo.markdown import parse_body, render_html  # markdown-it only when needed

    content = render_html(body, image=inline_image)
    if missing:
        raise InputError(f"{len(missing)} image(s) of the body not found in the working tree",
                         Location(str(body_path)), details=missing,
                         hint="render the figures first (personageo report render "
                              "--figures-only)")
    title = html.escape((parse_body(body).first_heading(1) or "").strip() or body_path.stem)
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta name="generator" content="{GENERATOR}">\n<title>{title}</title>\n'
            f"<style>{_STYLE}</style></head>\n<body>\n{content}</body></html>\n")
    return Preview(page, images)


def write_preview(body_path: Path, root: Path, output: Path | None = None) -> tuple[Path, Preview]:
    """Render ``body_path`` to ``output`` (default ``<body>.preview.html``). A file there that
    this command did not write is never replaced."""
    out = output or body_path.with_suffix(".preview.html")
    preview = render_preview(read_text(body_path, "body"), body_path, root)
    if out.exists() and f'content="{GENERATOR}"' not in out.read_text(encoding="utf-8",
                                                                      errors="replace"):
        raise InputError("file exists and was not written by `report preview`", Location(str(out)),
                         hint="choose another path with --output")
    atomic_write_text(out, preview.html)
    return out, preview
