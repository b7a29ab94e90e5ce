"""What a re-render changed: numbers and counts (from the claims), verdicts and other table text,
the title's claim and confidence level, and human text that quotes a number that changed."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from personageo.errors import InputError
from personageo.markdown import Body, parse_body
from personageo.schema.claims import Binding, Claim, ClaimsSidecar

_NUM = re.compile(r"[+\-\u2212]?\d+(?:\.\d+)?(?:e[+\-\u2212]?\d+)?")
_CONF = re.compile(r"\((HIGH|MODERATE|LOW) confidence\)", re.I)


@dataclass
class NumberChange:
    what: str
    """The binding, described (record path or derivation)."""
    kind: str
    """``count`` (a k/n or a number of records) or ``number``."""
    old_text: str
    new_text: str
    lines: list[int]
    """1-based lines of the new body where the number is shown."""
    in_title: bool = False


@dataclass
class TextChange:
    table: str
    row: str
    column: str
    old: str
    new: str
    line: int
    verdict: bool


@dataclass
class TitleCheck:
    old: str | None
    new: str | None
    old_confidence: str | None
    new_confidence: str | None
    claim_changes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def holds(self) -> bool | None:
        """Whether the title's claim still reads the same (None: the old title is unknown and
        no number of it was recorded)."""
        if self.old is not None and self.new is not None:
            return " ".join(self.old.split()) == " ".join(self.new.split())
        return False if self.claim_changes else None


@dataclass
class ReviewNote:
    region: str
    line: int
    old_text: str
    new_text: str


@dataclass
class ChangeSummary:
    old_results: list[str]
    new_results: list[str]
    compared: bool
    """False when the old body had no claims sidecar (numbers could not be compared)."""
    numbers: list[NumberChange] = field(default_factory=list)
    texts: list[TextChange] = field(default_factory=list)
    title: TitleCheck | None = None
    review: list[ReviewNote] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    regions_added: list[str] = field(default_factory=list)
    """Generated regions of the new render that the old body did not have (a new table, or
    one deleted from the body by hand: it is back now)."""
    regions_removed: list[str] = field(default_factory=list)

    @property
    def results_changed(self) -> bool:
        return self.old_results != self.new_results

    def to_json(self) -> dict:
        out = asdict(self)
        out["results_changed"] = self.results_changed
        if self.title is not None:
            out["title"]["holds"] = self.title.holds
        return out

    def lines(self, limit: int = 25) -> list[str]:
        """A compact, human-readable summary."""
        out = []
        if self.results_changed:
            old = ", ".join(s[:12] for s in self.old_results) or "not recorded"
            out.append(f"results: sha256 {old} -> {', '.join(s[:12] for s in self.new_results)}")
        else:
            out.append("results: unchanged since the body was rendered")
        t = self.title
        if t is not None and t.new is not None:
            if t.holds:
                out.append(f"title: unchanged, still holds: {t.new}")
            else:
                if t.old is not None:
                    out.append(f"title: {t.old}")
                    out.append(f"    -> {t.new}")
                else:
                    out.append(f"title: {t.new}")
                for a, b in t.claim_changes:
                    out.append(f"    title claim changed: {a} -> {b} (review the wording)")
            if t.old_confidence != t.new_confidence and t.old_confidence is not None:
                out.append(f"    confidence: {t.old_confidence} -> {t.new_confidence}")
            elif t.new_confidence and (self.numbers or self.texts):
                out.append(f"    confidence level {t.new_confidence} kept: check that it still "
                           "holds after these changes")
        if not self.compared:
            out.append("numbers: not compared (the old body has no claims sidecar)")
        for title, kind in (("counts", "count"), ("numbers", "number")):
            rows = [c for c in self.numbers if c.kind == kind]
            if rows:
                out.append(f"{title} changed: {len(rows)}")
                for c in rows[:limit]:
                    at = ", ".join(f"L{n}" for n in c.lines[:4]) + \
                        (f" (+{len(c.lines) - 4})" if len(c.lines) > 4 else "")
                    out.append(f"  {c.old_text} -> {c.new_text}  {c.what}  at {at}")
                if len(rows) > limit:
                    out.append(f"  ... and {len(rows) - limit} more (--format json lists all)")
        for title, verdict in (("verdicts", True), ("table text", False)):
            rows = [c for c in self.texts if c.verdict == verdict]
            if rows:
                out.append(f"{title} changed: {len(rows)}")
                for c in rows[:limit]:
                    out.append(f"  L{c.line} {c.table} [{c.row}] {c.column}: {c.old} -> {c.new}")
        if self.added or self.removed:
            out.append(f"numbers added: {self.added}, removed: {self.removed}")
        if self.regions_added:
            out.append(f"regions new in this render: {', '.join(self.regions_added)}")
        if self.regions_removed:
            out.append(f"regions no longer rendered: {', '.join(self.regions_removed)}")
        for r in self.review:
            out.append(f"review: L{r.line} human region '{r.region}' quotes {r.old_text}, "
                       f"which is now {r.new_text}")
        if self.compared and not self.numbers and not self.texts:
            out.append("no number, count or verdict changed")
        return out


def describe(b: Binding) -> str:
    d = b.derivation
    if d == "identity":
        return b.paths[0] if b.paths else "value"
    if d == "count":
        of = f" of {b.denominator}" if b.denominator is not None else ""
        return f"count({b.rule or 'records'}){of}"
    if d == "literal":
        return "literal"
    if len(b.paths) > 2:
        return f"{d} over {len(b.paths)} values"
    return f"{d}({', '.join(b.paths)})"


def _signature(c: Claim) -> tuple:
    b = c.binding
    return (c.key, b.derivation, tuple(b.paths), b.rule, b.denominator, b.spec, b.results)


def _front(body: Body) -> tuple[dict, int]:
    """The front matter's mapping ({} when absent or unreadable) and where the body starts."""
    if body.front is None:
        return {}, 0
    try:
        return body.front.data(), body.body_start
    except InputError:
        return {}, body.body_start


def _confidence(title: str | None, body: str) -> str | None:
    m = _CONF.search(title or "")
    if m:
        return m.group(1).upper()
    m = re.search(r"\*\*Confidence:\s*(HIGH|MODERATE|LOW)\*\*", body, re.I)
    return m.group(1).upper() if m else None


def _tables(body: Body) -> list[tuple[str, list[str], list[list[str]], list[int]]]:
    """(caption, header cells, body rows, row lines) of every table, in order."""
    tables = {t.open_index: t for t in body.tables}
    tokens = body.tokens
    out = []
    caption = ""
    for i, t in enumerate(tokens):
        if t.type == "inline" and t.level <= 1 and tokens[i - 1].type == "paragraph_open":
            caption = t.content
        elif t.type == "table_open":
            rows = tables[i].rows
            header = rows[0].texts if rows else []
            out.append((caption, header, [r.texts for r in rows[1:]],
                        [r.line or 0 for r in rows[1:]]))
            caption = ""
    return out


def _mask(s: str) -> str:
    return _NUM.sub("#", s)


def _table_changes(old: Body, new: Body) -> list[TextChange]:
    out = []
    olds, news = _tables(old), _tables(new)
    if len(olds) != len(news):
        return out
    for (_, oh, orows, _), (cap, nh, nrows, nlines) in zip(olds, news, strict=False):
        if [_mask(h) for h in oh] != [_mask(h) for h in nh] or len(orows) != len(nrows):
            continue
        for r, (orow, nrow) in enumerate(zip(orows, nrows, strict=False)):
            for k, (a, b) in enumerate(zip(orow, nrow, strict=False)):
                if _mask(a) != _mask(b):
                    key = " | ".join(x for x in nrow[:2])
                    col = nh[k] if k < len(nh) else str(k + 1)
                    out.append(TextChange(cap[:60], key, col, a, b,
                                          nlines[r] if r < len(nlines) else 0,
                                          "verdict" in col.lower()))
    return out


def summarize(old_text: str, old_sidecar: ClaimsSidecar | None, old_results: list[str],
              new_text: str, new_claims: list[Claim], new_results: list[str]) -> ChangeSummary:
    """Compare the old body (and its sidecar) with the updated one."""
    s = ChangeSummary(old_results, new_results, compared=old_sidecar is not None)
    old, new = parse_body(old_text), parse_body(new_text)
    old_front, _ = _front(old)
    new_front, new_end = _front(new)
    old_title = old_front.get("title") if old_front else None
    new_title = new_front.get("title") if new_front else None
    s.title = TitleCheck(old_title, new_title, _confidence(old_title, old_text),
                         _confidence(new_title, new_text))
    if old_sidecar is not None:
        olds: dict[tuple, list[Claim]] = {}
        for c in sorted(old_sidecar.claims, key=lambda c: (c.line, c.col)):
            olds.setdefault(_signature(c), []).append(c)
        grouped: dict[tuple, NumberChange] = {}
        for c in sorted(new_claims, key=lambda c: (c.line, c.col)):
            queue = olds.get(_signature(c))
            if not queue:
                s.added += 1
                continue
            o = queue.pop(0)
            in_title = c.line < new_end
            if in_title and o.text != c.text:
                s.title.claim_changes.append((o.text, c.text))
            if o.text == c.text:
                continue
            kind = "count" if c.binding.derivation == "count" else "number"
            key = (describe(c.binding), o.text, c.text)
            if key in grouped:
                grouped[key].lines.append(c.line)
                grouped[key].in_title |= in_title
            else:
                grouped[key] = NumberChange(key[0], kind, o.text, c.text, [c.line], in_title)
        s.numbers = list(grouped.values())
        s.removed = sum(len(q) for q in olds.values())
    s.texts = _table_changes(old, new)
    body = new.regions
    old_body = old.regions
    if old_body.marked:
        old_ids, new_ids = [g.id for g in old_body.gens], [g.id for g in body.gens]
        s.regions_added = [i for i in new_ids if i not in old_ids]
        s.regions_removed = [i for i in old_ids if i not in new_ids]
    # human text quoting a number that changed
    for h in body.humans:
        for i in range(h.begin + 1, h.end):
            for c in s.numbers:
                pat = r"(?<![\w.])" + re.escape(c.old_text) + r"(?![\w]|\.\d)"
                if re.search(pat, body.lines[i]):
                    s.review.append(ReviewNote(h.id, i + 1, c.old_text, c.new_text))
    return s
