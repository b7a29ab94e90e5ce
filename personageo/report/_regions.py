"""Generated and human-owned regions of a rendered body: marking, parsing, checking, splicing.

The marker syntax is defined in :mod:`personageo.markdown.markers` (and ``docs/regions.md``);
reading regions is the markdown layer's (:class:`personageo.markdown.BodyRegions`), writing them
is this module's.
:func:`mark` turns a freshly rendered body into a marked one: every part of the body after the
render marker is wrapped in a ``gen`` region (one per H2 section, per ``<details>`` section and
per table with its caption, so a conflict names a small region), the content of ``## Human
TL;DR`` becomes the human region ``tldr``, and explicit human markers written in the narrative
or template are kept. Marking only inserts whole lines, so each claim keeps its column and its
line moves by the number of lines inserted above it; :func:`mark` and :func:`splice` return the
claims relocated accordingly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from personageo.markdown import Body, BodyRegions, Region, parse_body
from personageo.markdown import markers as M
from personageo.schema.claims import Claim

TLDR_ID = "tldr"
FRONT_ID = "front-matter"


def parse(text: str) -> BodyRegions:
    """Find every region of ``text`` and every problem with its markers (the markdown layer's
    :attr:`personageo.markdown.Body.regions`)."""
    return parse_body(text).regions


def seal(text: str) -> str:
    """Rewrite the digest of every gen region and of the front matter (line count unchanged)."""
    body = parse(text)
    lines = list(body.lines)
    for r in body.gens:
        lines[r.begin] = M.gen_begin(r.id, body.digest_of(r))
    if body.seal is not None and body.front_end:
        lines[body.seal[0]] = M.front_matter_seal(body.front_digest())
    return "\n".join(lines)


# ---------------------------------------------------------------------------- marking


def _slug(text: str, limit: int = 40) -> str:
    text = re.sub(r"<[^>]+>|\([^)]*\)", " ", text).replace(";", "")
    text = re.split(r"\s[—–-]\s|:", text, maxsplit=1)[0]
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (s[:limit].rstrip("-") or "section")


@dataclass
class _Cut:
    line: int
    kind: str
    """``h2``, ``details``, ``table``, ``after`` (a table) or ``after-details``."""
    title: str = ""


def _preamble_end(lines: list[str], front_end: int) -> int:
    marker = M.parse_render_marker("\n".join(lines))
    if marker is not None and marker.line - 1 >= front_end:
        return marker.line
    return front_end


def _cuts(body: Body, start: int) -> tuple[list[_Cut], tuple[int, int] | None]:
    """Region boundaries (top-level blocks) and the Human TL;DR content span."""
    tokens = body.tokens
    top = [(k, t) for k, t in enumerate(tokens) if t.level == 0 and t.map and t.nesting >= 0]
    cuts: list[_Cut] = []
    tldr = None
    for n, (k, t) in enumerate(top):
        if t.map[0] < start:
            continue
        if t.type == "heading_open" and t.tag == "h2":
            title = tokens[k + 1].content.strip()
            cuts.append(_Cut(t.map[0], "h2", title))
            if title.lower().replace(" ", "") == "humantl;dr":
                nxt = next((u for _, u in top[n + 1:] if u.map[0] >= t.map[1] and (
                    u.type == "heading_open" or u.type == "html_block")), None)
                tldr = (t.map[1], nxt.map[0] if nxt else len(body.lines))
        elif t.type == "html_block":
            content = t.content.lstrip()
            if content.startswith("<details"):
                heading = next((tokens[j + 1].content for j in range(k, len(tokens))
                                if tokens[j].type == "heading_open"
                                and tokens[j].map and tokens[j].map[0] >= t.map[0]), "")
                summary = re.search(r"<summary>(.*?)(?:</summary>|$)", content, re.S)
                title = (summary.group(1).strip() if summary else "") or heading
                cuts.append(_Cut(t.map[0], "details", title))
            if "</details>" in t.content:
                cuts.append(_Cut(t.map[1], "after-details"))
        elif t.type == "table_open":
            begin = t.map[0]
            prev = top[n - 1][1] if n else None
            if prev is not None and prev.type == "paragraph_open" and \
                    prev.map[1] >= t.map[0] - 1 and prev.map[0] >= start:
                begin = prev.map[0]
            cuts.append(_Cut(begin, "table"))
            cuts.append(_Cut(t.map[1], "after"))
    return cuts, tldr


def mark(text: str, claims: list[Claim] | None = None) -> tuple[str, list[Claim]]:
    """Wrap a rendered body in regions (see the module docstring); a body that already has gen
    regions is only re-sealed."""
    claims = list(claims or [])
    body = parse_body(text)
    existing = body.regions
    if existing.marked:
        return seal(text), claims
    lines = existing.lines
    start = _preamble_end(lines, existing.front_end)
    cuts, tldr = _cuts(body, start)
    humans = [(h.begin, h.end + 1, h.id) for h in existing.humans]
    empty_after: dict[int, str] = {}
    if tldr is not None and not any(b < tldr[1] and tldr[0] < e for b, e, _ in humans):
        lo, hi = tldr
        while lo < hi and not lines[lo].strip():
            lo += 1
        while hi > lo and not lines[hi - 1].strip():
            hi -= 1
        if lo < hi:
            humans.append((lo, hi, TLDR_ID))
        else:  # nothing rendered there: an empty region right under the heading
            empty_after[tldr[0] - 1] = TLDR_ID
    # no boundary inside a human region
    cuts = [c for c in cuts if not any(b < c.line < e for b, e, _ in humans)]
    by_line: dict[int, _Cut] = {}
    for c in sorted(cuts, key=lambda c: c.line):
        if c.line not in by_line or by_line[c.line].kind.startswith("after"):
            by_line[c.line] = c
    if start not in by_line:
        by_line[start] = _Cut(start, "after")
    bounds = sorted(by_line)
    out = lines[:start]
    where: dict[int, int] = {i: i for i in range(start)}
    if existing.front_end:
        out.append(M.front_matter_seal("0" * M.DIGEST_CHARS))
    ids: set[str] = set()
    ctx_h2, ctx_details, counters = "body", None, {}
    human_at = {b: (e, rid) for b, e, rid in humans}
    explicit = {h.id for h in existing.humans}
    for n, b in enumerate(bounds):
        e = bounds[n + 1] if n + 1 < len(bounds) else len(lines)
        cut = by_line[b]
        if cut.kind == "h2":
            ctx_h2, ctx_details = _slug(cut.title), None
        elif cut.kind == "details":
            ctx_details = _slug(cut.title)
        elif cut.kind == "after-details":
            ctx_details = None
        lo, hi = b, e
        while lo < hi and not lines[lo].strip():
            lo += 1
        while hi > lo and not lines[hi - 1].strip():
            hi -= 1
        if lo == hi:
            continue
        ctx = ctx_details or ctx_h2
        if cut.kind in ("h2", "details"):
            rid = ctx
        else:
            kind = "table" if cut.kind == "table" else "text"
            counters[(ctx, kind)] = counters.get((ctx, kind), 0) + 1
            rid = f"{ctx}/{kind}-{counters[(ctx, kind)]}"
        base, k = rid, 2
        while rid in ids:
            rid, k = f"{base}-{k}", k + 1
        ids.add(rid)
        if out and out[-1].strip():
            out.append("")
        out += [M.gen_begin(rid, "0" * M.DIGEST_CHARS), ""]
        i = lo
        while i < hi:
            if i in human_at and human_at[i][1] not in explicit:
                h_end, hid = human_at[i]
                out += [M.human_begin(hid), ""]
                for j in range(i, h_end):
                    where[j] = len(out)
                    out.append(lines[j])
                out += ["", M.human_end(hid)]
                i = h_end
                continue
            where[i] = len(out)
            out.append(lines[i])
            if i in empty_after:
                out += ["", M.human_begin(empty_after[i]), "", M.human_end(empty_after[i])]
            i += 1
        out += ["", M.gen_end(rid)]
    out.append("")
    relocated = [c.model_copy(update={"line": where[c.line - 1] + 1}) for c in claims
                 if c.line - 1 in where]
    return seal("\n".join(out)), relocated


# ---------------------------------------------------------------------------- splicing


def splice(new_text: str, claims: list[Claim], old: BodyRegions
           ) -> tuple[str, list[Claim], list[str], list[Region]]:
    """Put the old body's human regions into the new (marked) body.

    Returns the body, its claims (those inside replaced human regions dropped, the rest moved),
    the ids of the regions carried over, and the old human regions the new body has no place
    for (their text would be lost).
    """
    new = parse(new_text)
    old_by_id = {h.id: h for h in old.humans}
    out: list[str] = []
    where: dict[int, int] = {}
    carried: list[str] = []
    skip_until = -1
    replaced = {h.begin: h for h in new.humans if h.id in old_by_id}
    for i, line in enumerate(new.lines):
        if i <= skip_until:
            continue
        if i in replaced:
            h = replaced[i]
            kept = old.human_content(old_by_id[h.id])
            where[i] = len(out)
            out += [line, ""] + kept + ([""] if kept else [])
            where[h.end] = len(out)
            out.append(new.lines[h.end])
            skip_until = h.end
            carried.append(h.id)
            continue
        where[i] = len(out)
        out.append(line)
    orphans = [h for h in old.humans if new.human(h.id) is None]
    moved = [c.model_copy(update={"line": where[c.line - 1] + 1}) for c in claims
             if c.line - 1 in where and not any(h.begin < c.line - 1 < h.end
                                                 for h in replaced.values())]
    return seal("\n".join(out)), moved, carried, orphans
