"""Generated and human-owned regions of a body, read from their markers.

The marker syntax is :mod:`personageo.markdown.markers` (and ``docs/regions.md``). Markers are
whole lines outside the front matter and outside code (fenced or indented); :func:`find_regions`
pairs them into regions and reports every problem with them. Writing regions (marking a fresh
render, splicing human text into a new one) is ``report``'s business.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from personageo.markdown import markers as M


@dataclass
class Region:
    owner: str
    """``gen`` or ``human``."""
    id: str
    begin: int
    """0-based index of the begin marker line."""
    end: int
    """0-based index of the end marker line."""
    digest: str | None = None
    """Recorded digest (``gen`` only)."""

    def contains(self, other: Region) -> bool:
        return self.begin < other.begin and other.end < self.end

    @property
    def lines_1based(self) -> tuple[int, int]:
        return self.begin + 1, self.end + 1


@dataclass
class Problem:
    line: int
    """1-based."""
    message: str


@dataclass
class BodyRegions:
    """The regions of one body (see :func:`find_regions`)."""

    lines: list[str]
    front_end: int = 0
    """Index of the first line after the front matter (0 when there is none)."""
    seal: tuple[int, str | None] | None = None
    """(line index, digest) of the front-matter seal."""
    gens: list[Region] = field(default_factory=list)
    humans: list[Region] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stray: list[int] = field(default_factory=list)
    """0-based indices of text lines outside every region (after the front matter)."""

    @property
    def marked(self) -> bool:
        return bool(self.gens)

    def human(self, region_id: str) -> Region | None:
        return next((h for h in self.humans if h.id == region_id), None)

    def human_content(self, region: Region) -> list[str]:
        """The lines people wrote, as written (trailing spaces kept: a markdown hard break),
        without the blank lines around them."""
        lines = self.lines[region.begin + 1:region.end]
        while lines and not lines[0].strip():
            lines = lines[1:]
        while lines and not lines[-1].strip():
            lines = lines[:-1]
        return lines

    def gen_content(self, region: Region) -> list[str]:
        """Content lines of a gen region with nested human regions replaced by placeholders."""
        out: list[str] = []
        i = region.begin + 1
        nested = sorted((h for h in self.humans if region.contains(h)), key=lambda h: h.begin)
        for h in nested:
            out.extend(self.lines[i:h.begin])
            out.append(M.human_placeholder(h.id))
            i = h.end + 1
        out.extend(self.lines[i:region.end])
        return out

    def digest_of(self, region: Region) -> str:
        return M.region_digest(self.gen_content(region))

    def front_digest(self) -> str | None:
        if not self.front_end:
            return None
        return M.region_digest(self.lines[1:self.front_end - 1])

    def region_at(self, index: int) -> Region | None:
        """The innermost region holding line ``index`` (0-based)."""
        best = None
        for r in self.gens + self.humans:
            if r.begin <= index <= r.end and (best is None or best.contains(r)):
                best = r
        return best


def find_regions(lines: list[str], front_end: int, code: set[int]) -> BodyRegions:
    """Every region of a body (its ``lines``; the front matter ends before ``front_end``; the
    0-based lines in ``code`` are code, never markers) and every problem with its markers."""
    body = BodyRegions(list(lines), front_end)  # a copy: callers edit their lines
    stack: list[Region] = []
    seen: set[tuple[str, str]] = set()
    for i, line in enumerate(lines):
        if i < body.front_end or i in code:
            continue
        if not M.is_marker_like(line):
            s = line.strip()
            if not stack and s and not (s.startswith("<!--") and s.endswith("-->")):
                body.stray.append(i)
            continue
        m = M.parse_region_marker(line)
        if m is None:
            body.problems.append(Problem(i + 1, f"malformed region marker: {line.strip()}"))
            continue
        if m.action == "above":
            body.seal = (i, m.sha256)
            continue
        if m.action == "begin":
            if not m.id or not M.valid_id(m.id):
                body.problems.append(Problem(i + 1, f"{m.owner} region marker without a valid "
                                                    "id="))
            elif (m.owner, m.id) in seen:
                body.problems.append(Problem(i + 1, f"{m.owner} region id={m.id} used twice"))
            elif stack and (m.owner == "gen" or stack[-1].owner == "human"):
                body.problems.append(Problem(i + 1, f"{m.owner} region id={m.id} begins inside "
                                                    f"{stack[-1].owner} region "
                                                    f"id={stack[-1].id}"))
            else:
                seen.add((m.owner, m.id))
                stack.append(Region(m.owner, m.id, i, -1, m.sha256))
            continue
        if not stack:
            body.problems.append(Problem(i + 1, f"{m.owner} region end without a begin"))
        elif stack[-1].owner != m.owner or (m.id and m.id != stack[-1].id):
            top = stack[-1]
            body.problems.append(Problem(i + 1, f"{m.owner} region end "
                                                f"{'id=' + m.id + ' ' if m.id else ''}does not "
                                                f"close the open {top.owner} region id={top.id} "
                                                f"(line {top.begin + 1})"))
        else:
            r = stack.pop()
            r.end = i
            (body.gens if r.owner == "gen" else body.humans).append(r)
    for r in stack:
        body.problems.append(Problem(r.begin + 1, f"{r.owner} region id={r.id} is never closed"))
    return body
