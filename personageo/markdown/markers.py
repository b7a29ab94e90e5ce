"""The hidden markers of a rendered write-up: plain HTML comments, one per line.

They are part of the contract between ``report render`` / ``report update`` (which write them)
and ``lint`` (which reads the render marker), so they live in the markdown layer, below both
(the regions they delimit are parsed by :mod:`personageo.markdown._regions`). The full
description, with an example, is ``docs/regions.md``.

Render marker (one, right after the front matter)::

    <!-- personageo:render v1 results=sha256:<64 hex> [baseline=sha256:<64 hex>] personageo=<version> -->

Region markers (each alone on its line, outside code fences)::

    <!-- personageo:gen above id=front-matter sha256=<16 hex> -->   seals the front matter
    <!-- personageo:gen begin id=<id> sha256=<16 hex> -->          generated region
    <!-- personageo:gen end id=<id> -->
    <!-- personageo:human begin id=<id> -->                         human-owned region
    <!-- personageo:human end id=<id> -->

The bindings of the body's numbers (an inline key after each number and one binding-table line
right after the render marker) are :mod:`personageo.schema.bindings`.

``sha256`` of a generated region is the first 16 hex digits of the sha256 of its normalised
content (:func:`region_digest`): line endings unified, trailing whitespace and blank lines
dropped, and the content of each nested human region replaced by one placeholder line, so
that what people write there never makes the generated text look edited. An ``end`` marker's
``id`` is optional when reading.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

RENDER_PREFIX = "<!-- personageo:render v1 "
DIGEST_CHARS = 16

_RENDER = re.compile(r"^<!--\s*personageo:render\s+v1\s+(?P<attrs>.*?)\s*-->$")
_REGION = re.compile(r"^<!--\s*personageo:(?P<owner>gen|human)\s+(?P<action>begin|end|above)"
                     r"(?P<attrs>(?:\s+[\w.-]+=\S*)*)\s*-->$")
_ATTR = re.compile(r"([\w.-]+)=(\S*)")
_ID = re.compile(r"^[A-Za-z0-9][\w.\-/]*$")


@dataclass(frozen=True)
class RenderMarker:
    """What a body says it was rendered from."""

    line: int
    """1-based line of the marker."""
    results: tuple[tuple[str, str], ...]
    """``(name, sha256)`` per results file, in ``--results`` order (``results``, ``baseline``)."""
    version: str | None


@dataclass(frozen=True)
class RegionMarker:
    owner: str
    """``gen`` or ``human``."""
    action: str
    """``begin``, ``end`` or ``above`` (the front-matter seal)."""
    id: str | None
    sha256: str | None


def parse_render_marker(text: str) -> RenderMarker | None:
    """The first render marker of ``text`` (a marker is a whole line), or ``None``."""
    for no, line in enumerate(text.splitlines(), start=1):
        m = _RENDER.match(line.strip())
        if m:
            attrs = dict(_ATTR.findall(m["attrs"]))
            version = attrs.pop("personageo", None)
            files = tuple((k, v.split(":", 1)[1] if v.startswith("sha256:") else v)
                          for k, v in attrs.items())
            return RenderMarker(no, files, version)
    return None


def parse_region_marker(line: str) -> RegionMarker | None:
    """A region marker if ``line`` (stripped) is one, else ``None``."""
    m = _REGION.match(line.strip())
    if not m:
        return None
    attrs = dict(_ATTR.findall(m["attrs"]))
    return RegionMarker(m["owner"], m["action"], attrs.get("id"), attrs.get("sha256"))


def is_marker_like(line: str) -> bool:
    """True for a line that looks like a personageo region marker, well-formed or not."""
    s = line.strip()
    return s.startswith("<!--") and ("personageo:gen" in s or "personageo:human" in s)


def valid_id(region_id: str) -> bool:
    return bool(_ID.match(region_id))


def gen_begin(region_id: str, digest: str) -> str:
    return f"<!-- personageo:gen begin id={region_id} sha256={digest} -->"


def gen_end(region_id: str) -> str:
    return f"<!-- personageo:gen end id={region_id} -->"


def human_begin(region_id: str) -> str:
    return f"<!-- personageo:human begin id={region_id} -->"


def human_end(region_id: str) -> str:
    return f"<!-- personageo:human end id={region_id} -->"


def front_matter_seal(digest: str) -> str:
    return f"<!-- personageo:gen above id=front-matter sha256={digest} -->"


def normalise_lines(lines: list[str]) -> list[str]:
    """Trailing whitespace (and any ``\\r``) dropped per line, surrounding blank lines dropped:
    what survives a round trip through the tracker."""
    out = [ln.rstrip() for ln in lines]
    while out and not out[0]:
        out.pop(0)
    while out and not out[-1]:
        out.pop()
    return out


def region_digest(lines: list[str]) -> str:
    """The digest recorded in a ``gen begin`` marker for these content lines (human regions
    already replaced by their placeholder, see :func:`human_placeholder`). Blank lines do not
    count: adding or removing one (e.g. around a marker) is not an edit of the content."""
    text = "\n".join(ln for ln in normalise_lines(lines) if ln)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def human_placeholder(region_id: str) -> str:
    return f"<human region {region_id}>"


def stale_results(marker: RenderMarker, current: list[set[str]]) -> list[int]:
    """Indices of the results files whose recorded sha256 is not among ``current[i]`` (the
    accepted hashes of the file checked in position ``i``)."""
    return [i for i, (_, sha) in enumerate(marker.results)
            if i < len(current) and sha not in current[i]]
