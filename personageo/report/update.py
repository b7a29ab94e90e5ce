"""``report update``: re-render a write-up after a rerun, keeping what people wrote in it.

A rendered body is divided into regions marked by plain HTML comments (they survive a round
trip through the tracker; syntax in :mod:`personageo.markdown.markers`, design in
``docs/regions.md``)::

    <!-- personageo:gen begin id=result-1/table-3 sha256=4768ada775988c9f -->
    ...generated text...
    <!-- personageo:gen end id=result-1/table-3 -->

    <!-- personageo:human begin id=tldr -->
    ...what a person wrote...
    <!-- personageo:human end id=tldr -->

* **Generated regions** (``gen``) partition the body after the render marker: one per H2
  section, per ``<details>`` section and per table with its caption. Each records a digest of
  its content (human regions inside it excluded), so a hand edit is *detected*: ``update``
  reports it as a conflict naming the region and the line, writes nothing, and exits 1;
  ``--force`` regenerates the region. The front matter is sealed the same way by a
  ``gen above id=front-matter`` marker.
* **Human regions** (``human``) are owned by people: ``update`` copies their text from the old
  body into the new render, by id. ``## Human TL;DR`` is the human region ``tldr``; a narrative
  or template declares more by writing the two markers around any text
  (``<!-- personageo:human begin id=my-notes -->`` ... ``<!-- personageo:human end id=my-notes
  -->``). Their default text is what a fresh render shows.
* **The narrative file's prose** is re-rendered from the narrative file itself, so edits made
  there are kept; edits made to narrative prose *in the body* are hand edits of a generated
  region (a conflict): move them into the narrative file or into a human region.

Conflicts: an edited generated region or front matter, damaged or unbalanced markers, text
added outside every region, a body with no markers at all (rendered before regions existed),
and a human region the new render has no place for (its text would be lost). Everything is
decided in memory (:func:`plan_update`) before anything is written (:func:`apply_update`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import ValidationError

from personageo.errors import InputError, Location
from personageo.files import read_bytes, read_json, sha256_text
from personageo.markdown import split_lines
from personageo.markdown.markers import parse_render_marker
from personageo.report import _regions as R
from personageo.report._changes import ChangeSummary, summarize
from personageo.report.target import PublishTarget, check_issue
from personageo.schema.bindings import BindingError, claims_of, strip_keys
from personageo.schema.claims import ClaimsSidecar

MAX_BODY_CHARS = 65_536
_NUM = re.compile(r"[+\-\u2212]?\d+(?:\.\d+)?")


@dataclass
class Conflict:
    """A reason not to overwrite: what, where (1-based lines of the old body)."""

    region: str
    line: int
    message: str
    end_line: int | None = None

    def format(self, path: str) -> str:
        return f"{path}:{self.line}: region '{self.region}': {self.message}"


@dataclass
class UpdatePlan:
    """An update decided in memory: the new files, the conflicts, the change summary."""

    body_path: Path
    output_path: Path
    conflicts: list[Conflict]
    forced: bool
    summary: ChangeSummary
    kept: list[str]
    """Ids of the human regions carried over from the old body."""
    dropped: list[str]
    """Ids of old human regions with no place in the new render (lost; only with force)."""
    rendered: object
    """The :class:`personageo.report.RenderedReport` to write (body and sidecar updated)."""
    unchanged: bool

    @property
    def blocked(self) -> bool:
        return bool(self.conflicts) and not self.forced


def _read_body(path: Path) -> str:
    try:
        if not path.exists():
            raise FileNotFoundError(path)
        return read_bytes(path, "body").decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError("body to update not found", Location(str(path)),
                         hint="render it first with `personageo report render`, or pass "
                              "--body") from None
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise InputError(f"cannot read the body as UTF-8 text: {exc}",
                         Location(str(path))) from None


def _read_sidecar(path: Path | None, explicit: bool) -> ClaimsSidecar | None:
    if path is None or (not explicit and not path.is_file()):
        return None
    try:
        return ClaimsSidecar.model_validate(read_json(path))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"not a claims sidecar: {first['msg']}", Location(
            str(path), pointer="/" + "/".join(str(p) for p in first["loc"]))) from None


def _shown(old: R.BodyRegions, line: int, col: int, n: int) -> str:
    text = old.lines[line - 1] if 0 < line <= len(old.lines) else ""
    return text[col - 1:col - 1 + n]


def _claim_edit(old: R.BodyRegions, region: R.Region,
                sidecar: ClaimsSidecar) -> tuple[int, str] | None:
    """The first rendered number of ``region`` that is no longer shown as rendered.

    Edits to human regions above move the region by some lines since the sidecar was written,
    so the sidecar's claims are aligned with the region by the line shift that matches most of
    them (the smallest such shift on ties)."""
    best: tuple[int, int, list] | None = None
    for d in sorted(range(-400, 401), key=abs):
        inside = [c for c in sidecar.claims if region.begin < c.line - 1 + d < region.end]
        if not inside:
            continue
        hits = sum(_shown(old, c.line + d, c.col, len(c.text)) == c.text for c in inside)
        if best is None or hits > best[0]:
            best = (hits, d, inside)
    if best is None:
        return None
    _, d, inside = best
    for c in sorted(inside, key=lambda c: (c.line, c.col)):
        if _shown(old, c.line + d, c.col, len(c.text)) != c.text:
            now = re.match(r"\S*", old.lines[c.line + d - 1][c.col - 1:]).group(0)
            return c.line + d, (f"line {c.line + d}:{c.col} shows {now!r} where {c.text!r} "
                                "was rendered")
    return None


def _pinpoint(old: R.BodyRegions, region: R.Region, sidecar: ClaimsSidecar | None,
              new_lines: set[str]) -> tuple[int, str]:
    """Best guess of the first edited line of a gen region: a rendered number no longer shown
    as rendered (from the old sidecar), or a line that the new render does not contain."""
    hits: list[tuple[int, str]] = []
    if sidecar is not None:
        hit = _claim_edit(old, region, sidecar)
        if hit is not None:
            hits.append(hit)
    masked = {_NUM.sub("#", ln) for ln in new_lines}
    for i in range(region.begin + 1, region.end):
        text = old.lines[i].rstrip()
        if text and _NUM.sub("#", text) not in masked and not any(
                h.begin <= i <= h.end for h in old.humans):
            hits.append((i + 1, f"line {i + 1} is not generated text"))
            break
    if not hits:
        return region.begin + 1, f"lines {region.begin + 1}-{region.end + 1}"
    return min(hits)


def find_conflicts(old: R.BodyRegions, sidecar: ClaimsSidecar | None,
                   new_text: str) -> list[Conflict]:
    """Every reason the old body cannot be overwritten without losing a person's edit."""
    out = [Conflict("markers", p.line, p.message) for p in old.problems]
    if not old.marked:
        out.append(Conflict("whole body", 1, "the body has no region markers (rendered before "
                                              "personageo marked regions, or they were "
                                              "removed): hand edits cannot be told from "
                                              "generated text"))
        return out
    new_lines = {ln.rstrip() for ln in split_lines(new_text)}
    if old.seal is not None and old.front_end and old.seal[1] != old.front_digest():
        out.append(Conflict(R.FRONT_ID, 1, "the front matter was edited by hand"))
    for r in old.gens:
        if r.digest != old.digest_of(r):
            line, where = _pinpoint(old, r, sidecar, new_lines)
            out.append(Conflict(r.id, line, f"generated text was edited by hand ({where}; "
                                            f"region spans lines {r.begin + 1}-{r.end + 1})",
                                r.end + 1))
    if old.stray:
        first = old.stray[0]
        out.append(Conflict("outside regions", first + 1,
                            f"{len(old.stray)} line(s) of text outside every region "
                            f"(first: {old.lines[first].strip()[:60]!r})"))
    return sorted(out, key=lambda c: c.line)


def _claims_next_to(body: Path) -> Path:
    stem = body.name[:-3] if body.name.endswith(".md") else body.name
    return body.with_name(stem + ".claims.json")


def _old_results(text: str, sidecar: ClaimsSidecar | None) -> list[str]:
    marker = parse_render_marker(text)
    if marker is not None:
        return [sha for _, sha in marker.results]
    return [r.sha256 for r in sidecar.results] if sidecar else []


def _in_body(text: str) -> tuple[ClaimsSidecar | None, Conflict | None]:
    """The claims the body carries (its binding table), located in ``text``; a damaged table
    is a conflict (the rendered numbers can no longer be told from hand edits)."""
    try:
        return claims_of(text, sha256_text(text)), None
    except BindingError as exc:
        return None, Conflict("bindings", exc.line, f"binding table damaged: {exc}")


def plan_update(target: PublishTarget, *, output: Path | None = None,
                claims: Path | None = None, force: bool = False) -> UpdatePlan:
    """Render ``target`` against the current results and splice the human regions of its body
    (``target.body``, default ``ROOT/reports/issue_N.md``) in; nothing is written.

    ``output`` is where the updated body goes (default: the body itself); ``claims`` the
    claims sidecar of a body rendered before bindings were kept in the body; ``force``
    regenerates generated regions edited by hand (conflicts are reported, not blocking).
    """
    from personageo.report import render

    root = Path(target.root)
    check_issue(target.issue)
    body_path = target.body_path()
    old_text = _read_body(body_path)
    output = Path(output or body_path)
    damaged = None
    if claims is not None:
        sidecar = _read_sidecar(Path(claims), explicit=True)
    else:  # the bindings the body carries; a body rendered before them: its sidecar file
        sidecar, damaged = _in_body(old_text)
        if sidecar is None and damaged is None:
            sidecar = _read_sidecar(_claims_next_to(body_path), explicit=False)
    results, baseline = target.results, target.baseline
    if sidecar is not None:  # the files the body was rendered from, unless told otherwise
        recorded = [(root / r.path).resolve() for r in sidecar.results]
        if results is None and recorded and recorded[0].is_file() and not (
                root / "eval_results" / f"issue_{target.issue}" / "run_result.json").is_file():
            results = recorded[0]
        if baseline is None and len(recorded) > 1 and recorded[1].is_file():
            baseline = recorded[1]
    rendered = render(replace(target, results=results, baseline=baseline, body=output))
    new_text, new_claims = R.mark(rendered.body, rendered.sidecar.claims)

    old = R.parse(old_text)
    if not old.marked and not old.humans:
        # a body from before regions: the Human TL;DR is still found by its heading
        old = R.parse(R.mark(old_text)[0])
        old.gens = []
    conflicts = find_conflicts(old, sidecar, new_text) + ([damaged] if damaged else [])
    for h in old.humans:  # inline keys copied into human text name entries of the old table
        for i in range(h.begin + 1, h.end):
            old.lines[i] = strip_keys(old.lines[i])
    body, claims, kept, orphans = R.splice(new_text, new_claims, old)
    for h in orphans:
        conflicts.append(Conflict(h.id, h.begin + 1, "human region has no place in the new "
                                                     "render: its text would be lost",
                                  h.end + 1))
    body = body if body.endswith("\n") else body + "\n"
    if len(body) > MAX_BODY_CHARS:
        raise InputError(f"updated body has {len(body)} characters; the tracker accepts at "
                         f"most {MAX_BODY_CHARS}", Location(str(output)))
    new_sidecar = _in_body(body)[0] or rendered.sidecar
    claims = new_sidecar.claims
    files = dict(rendered.files)
    files[rendered.body_path] = body.encode("utf-8")
    rendered.body, rendered.sidecar, rendered.files = body, new_sidecar, files
    summary = summarize(old_text, sidecar, _old_results(old_text, sidecar), body, claims,
                        [r.sha256 for r in new_sidecar.results])
    same = old_text.replace("\r\n", "\n") == body and output == body_path
    return UpdatePlan(body_path, output, sorted(conflicts, key=lambda c: c.line), force,
                      summary, kept, [h.id for h in orphans], rendered, same)


def write_figures(target: PublishTarget) -> list[Path]:
    """Step 1 after a rerun: draw the figures of the new results and write them (they are
    generated files; replacing them is what an update is for). Commit them, then update, so
    that the body's image URLs pin the commit that holds the new figures."""
    from personageo.report import render, write_outputs

    rendered = render(replace(target, body=None), figures_only=True)
    return write_outputs(rendered, overwrite=True)


def apply_update(plan: UpdatePlan) -> list[Path]:
    """Write the planned files (figures, then sidecar, then body), each atomically."""
    from personageo.report import write_outputs

    if plan.blocked:
        raise InputError("refusing to write: the update has conflicts",
                         Location(str(plan.body_path)), hint="pass --force to regenerate")
    return write_outputs(plan.rendered, overwrite=True)


def update_report(target: PublishTarget, *, output: Path | None = None,
                  claims: Path | None = None, force: bool = False
                  ) -> tuple[UpdatePlan, list[Path]]:
    """Plan (see :func:`plan_update`), then write unless blocked by conflicts (then nothing is
    written)."""
    plan = plan_update(target, output=output, claims=claims, force=force)
    if plan.blocked:
        return plan, []
    return plan, apply_update(plan)


__all__ = ["Conflict", "UpdatePlan", "apply_update", "find_conflicts",
           "plan_update", "update_report", "write_figures"]
