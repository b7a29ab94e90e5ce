"""``report render``: results file (+ baseline, + narrative) -> body (bindings inside), figures.

Everything is rendered in memory first (:func:`render`); :func:`write_outputs` then writes each
file atomically, after checking that no existing file would be replaced without ``overwrite``.
"""

from __future__ import annotations

import json
import os
import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import jinja2
from jinja2.sandbox import SecurityError
from pydantic import BaseModel, ConfigDict, ValidationError

from personageo import __version__
from personageo.errors import InputError, Location
from personageo.files import read_text, sha256_file, sha256_text
from personageo.report import _embed, _git, _regions
from personageo.report._bound import Bound, ClaimRecorder, DerivationError
from personageo.report._env import (
    BASE_TEMPLATE,
    NARRATIVE_NAME,
    make_environment,
    prepare_narrative,
)
from personageo.report._fileset import commit_set
from personageo.report._headline import claim_globals
from personageo.report._keep import keep_human_regions
from personageo.report._sandbox import render_bounded
from personageo.report._untrusted import TemplateText
from personageo.report._view import ExperimentView, MissingValue, Results
from personageo.report.figures import planned_figures, render_figures
from personageo.report.target import PublishTarget
from personageo.schema import load_run_result
from personageo.schema.claims import ClaimsSidecar, ResultsRef
from personageo.yaml_safe import load_yaml

MAX_BODY_CHARS = 65_536
MAX_NARRATIVE_BYTES = 1024 * 1024
MARKER_PREFIX = "<!-- personageo:render v1 "


class Settings(BaseModel):
    """Narrative front matter: presentation choices the results file cannot know."""

    model_config = ConfigDict(extra="forbid")
    confidence: str = "LOW"
    flagship_layer: int | None = None
    flagship_method: str | None = None
    hero_layers: list[int] | None = None
    hero_method: str | None = None
    labels: dict[str, str] = {}
    """Display names of data groups (``em: EM``)."""
    baseline_label: str | None = None
    """Name of the baseline's training method when its results do not record it (``LoRA``)."""
    n_samples: int = 3
    data_url: str | None = None
    """Where the full training / evaluation data can be browsed (Hugging Face, W&B)."""


@dataclass
class RenderedReport:
    """A finished render, not yet written: every output path with its bytes."""

    body: str
    sidecar: ClaimsSidecar | None
    files: dict[Path, bytes]
    body_path: Path
    claims_path: Path


def claims_path_for(body: Path) -> Path:
    return body.with_name(body.name[:-3] + ".claims.json" if body.name.endswith(".md")
                          else body.name + ".claims.json")


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), Path(root).resolve())).as_posix()


def _load(path: Path, index: int, root: Path) -> Results:
    run = _portable_sources(load_run_result(path), root)
    return Results(run, index, _rel(path, root), sha256_file(path))


def _portable_sources(run, root: Path):
    """Absolute source-file paths inside the repository (a legacy import records the path it
    read) made relative to it: two clones render the same body (others: ``display_path``)."""
    def inside(path: str) -> bool:
        return os.path.isabs(path) and Path(path).resolve().is_relative_to(Path(root).resolve())

    sources = run.provenance.source_files
    if not any(inside(s.path) for s in sources):
        return run
    fixed = [s.model_copy(update={"path": _rel(Path(s.path), root)}) if inside(s.path) else s
             for s in sources]
    return run.model_copy(update={"provenance": run.provenance.model_copy(
        update={"source_files": fixed})})


def _settings(front: str, narrative: Path | None) -> Settings:
    data = load_yaml(front, str(narrative), first_line=2, what="front matter") \
        if front.strip() else {}
    try:
        return Settings.model_validate(data or {})
    except ValidationError as exc:
        details = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise InputError("invalid front matter settings", Location(str(narrative), 1),
                         details=details) from None


def _check_settings(s: Settings, view: ExperimentView, where: str) -> SimpleNamespace:
    if s.confidence not in ("HIGH", "MODERATE", "LOW"):
        raise InputError(f"confidence {s.confidence!r} is not HIGH, MODERATE or LOW",
                         Location(where))
    layers = view.layers
    layer = s.flagship_layer if s.flagship_layer is not None else layers[len(layers) // 2]
    method = s.flagship_method or view.methods[0]
    for L in [layer, *(s.hero_layers or [])]:
        if L not in layers:
            raise InputError(f"layer {L} is not one of the design's layers {layers}",
                             Location(where))
    for m in [method, s.hero_method or method]:
        if m not in view.methods:
            raise InputError(f"method {m!r} is not one of {view.methods}", Location(where))
    hero_layers = s.hero_layers or ([layer, layers[-1]] if layer != layers[-1] else [layer])
    return SimpleNamespace(layer=layer, method=method, hero_layers=hero_layers,
                           hero_method=s.hero_method or method)


def choose_samples(run, k: int) -> list[dict]:
    """Up to ``k`` recorded answers, round-robin over checkpoints in design order."""
    ck = {c.id: i for i, c in enumerate(run.design.checkpoints)}
    me = {m.id: i for i, m in enumerate(run.design.methods)}
    pe = {p.name: i for i, p in enumerate(run.design.personas)}
    usable = sorted((s for s in run.samples if s.answer),
                    key=lambda s: (ck.get(s.checkpoint, len(ck)), me.get(s.method, len(me)),
                                   pe.get(s.persona, len(pe)), str(s.question_id), s.question))
    queues: dict[str, list] = {}
    for s in usable:
        queues.setdefault(s.checkpoint, []).append(s)
    out: list = []
    while len(out) < k and any(queues.values()):
        for q in queues.values():
            if q and len(out) < k:
                out.append(q.pop(0))
    result = []
    for s in out:
        text = f"{s.persona}\n{s.question}\n{s.answer}"
        longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
        result.append({"persona": s.persona, "question": s.question.replace("\n", " "),
                       "answer": s.answer.strip(), "fence": "`" * max(3, longest + 1),
                       "checkpoint": s.checkpoint, "method": s.method})
    return result


_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")


def hub_dataset_link(name: str | None) -> str | None:
    """``[owner/name](https://huggingface.co/datasets/owner/name)`` for a hub dataset id; None
    for local files (``data/x.jsonl``) and unrecorded names."""
    if not name or not _HUB_ID.match(name) or re.search(r"\.(jsonl?|csv|parquet|txt)$", name):
        return None
    return f"[{name}](https://huggingface.co/datasets/{name})"


def _trusted(markdown: str | None) -> TemplateText | None:
    """Markdown the renderer built from validated parts: printed without escaping."""
    return None if markdown is None else TemplateText(markdown)


def _trusted_markers(globals_: dict) -> dict:
    """The claim markers are HTML comments the renderer builds: printed without escaping."""
    out = dict(globals_)
    for name in ("verdict_marker", "count_marker"):
        if name in out:
            out[name] = lambda *a, _f=out[name]: TemplateText(_f(*a))
    return out


def _yaml_scalar(text: str) -> str:
    text = str(text).strip()
    plain = (text and not re.search(r": |\s#|^[\s\-?:,\[\]{}#&*!|>'\"%@`]", text)
             and text == text.strip())
    return text if plain else json.dumps(text, ensure_ascii=False)


def _template_location(exc: BaseException, narrative: Path | None) -> tuple[str | None, int | None]:
    frames = traceback.extract_tb(exc.__traceback__)
    for fr in reversed(frames):  # the innermost template frame: narrative or built-in
        if fr.filename.endswith(".j2") or (narrative is not None
                                           and fr.filename == str(narrative)):
            return fr.filename, fr.lineno
    return (str(narrative) if narrative else None), None


def _render_body(env: jinja2.Environment, name: str, ctx: dict, narrative: Path | None) -> str:
    try:
        return render_bounded(env.get_template(name), ctx)
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(f"template syntax error: {exc.message}",
                         Location(exc.filename or name, exc.lineno)) from None
    except jinja2.TemplateNotFound as exc:
        path, line = _template_location(exc, narrative)
        raise InputError(f"cannot include or extend {exc.name!r}: templates may only use the "
                         "built-in templates and partials", Location(path, line)) from None
    except RecursionError:
        raise InputError("the template calls or includes itself without end",
                         Location(str(narrative) if narrative else name)) from None
    except SecurityError as exc:
        path, line = _template_location(exc, narrative)
        raise InputError(f"refused by the template sandbox: {exc}", Location(path, line),
                         hint="narratives may use the results view, number filters and "
                              "Jinja's safe built-ins, within size and time limits") from None
    except MissingValue as exc:
        path, line = _template_location(exc, narrative)
        which = "results" if exc.results == 0 else "baseline results"
        raise InputError(f"the {which} file has no value at {exc.path} ({exc.why})",
                         Location(path, line, pointer=exc.path),
                         hint="check the record path against `personageo schema` or the "
                              "results file") from None
    except (jinja2.TemplateError, DerivationError, ValueError, TypeError, ArithmeticError,
            LookupError, AttributeError) as exc:
        path, line = _template_location(exc, narrative)
        raise InputError(f"cannot render: {exc}", Location(path, line)) from None


def render(target: PublishTarget, *, figures_only: bool = False) -> RenderedReport:
    """Render the body (with its bindings) and figures of ``target`` in memory (only the
    figures with ``figures_only``); nothing is written."""
    root = Path(target.root)
    results_path, body_path, figures_dir, narrative = target.files()
    main = _load(results_path, 0, root)
    baseline = _load(Path(target.baseline), 1, root) if target.baseline else None
    narrative_source = None
    front = ""
    if narrative is not None:
        raw = read_text(narrative, "narrative", MAX_NARRATIVE_BYTES)
        front, narrative_source = prepare_narrative(raw, narrative)
    settings = _settings(front, narrative)
    view = ExperimentView(main, baseline, settings.labels, settings.baseline_label)
    if not view.cells:
        raise InputError("the results file has no tested cells to report",
                         Location(str(results_path), pointer="/cells"))
    flag = _check_settings(settings, view, str(narrative or results_path))

    refs = [ResultsRef(path=r.path, sha256=r.sha256) for r in (main, baseline) if r]
    claims_path = claims_path_for(body_path)
    if figures_only:
        files = _figure_files(view, flag, main, refs, figures_dir)[0]
        return RenderedReport("", None, files, body_path, claims_path)
    owner_repo = target.owner_repo()
    # the template is rendered first with URL placeholders (template errors surface before the
    # slow figure drawing); URLs are filled in once the figures' bytes and commits are known
    planned = planned_figures(view)
    figures = {name: {"url": f"\ue002{name}\ue003", "number": i, "layers": [], "method": None}
               for i, name in enumerate(planned, start=1)}
    figures["hero"].update(layers=flag.hero_layers, method=flag.hero_method)

    recorder = ClaimRecorder()
    env = make_environment(recorder, narrative, narrative_source)
    env.add_filter("yaml_scalar", _yaml_scalar)
    env.add_filter("correction_of", view.correction_by_id)
    hashes = " ".join(f"{'results' if r.index == 0 else 'baseline'}=sha256:{r.sha256}"
                      for r in (main, baseline) if r)
    marker = f"{MARKER_PREFIX}{hashes} personageo={__version__} -->"

    def bv(path: str) -> Bound:
        if baseline is None:
            raise MissingValue(path, 1, "no --baseline results file was given")
        return baseline.v(path)

    def count_list(path: str) -> Bound:
        items = main.get(path)
        if not isinstance(items, list):
            raise MissingValue(path, 0, "not a list")
        return Bound(float(len(items)), tuple(f"{path}/{i}" for i in range(len(items))),
                     "count", rule="records", results=0)

    linked: list[int] = []

    def link(n) -> str:
        if int(n) not in linked:
            linked.append(int(n))
        if owner_repo is None:  # no --repo and no GitHub remote: the tracker autolinks #N
            return TemplateText(f"#{n}")
        return TemplateText(f"[#{n}]({_git.issue_url(*owner_repo, int(n))})")

    ctx = {
        **_trusted_markers(claim_globals(view, env.filters["frac"], narrative_source)),
        "linked_issues": linked, "exp": view, "run": main.run, "settings": settings, "flag": flag, "figures": figures,
        "samples": [{k: TemplateText(v) for k, v in s.items()}  # fenced: printed as is
                    for s in choose_samples(main.run, settings.n_samples)],
        "marker": marker,
        "issue": target.issue, "v": main.v, "bv": bv, "v_or_none": main.maybe,
        "count_list": count_list,
        "link": link, "hub_dataset_link": lambda name: _trusted(hub_dataset_link(name)),
    }
    name = NARRATIVE_NAME if narrative_source is not None else BASE_TEMPLATE
    raw_body = _render_body(env, name, ctx, narrative)
    files, figs = _figure_files(view, flag, main, refs, figures_dir)
    if [f.name for f in figs] != planned:  # pragma: no cover - a bug, not bad input
        raise RuntimeError(f"figures drawn {[f.name for f in figs]} differ from {planned}")
    top = _git.repo_toplevel(root) or root
    for f in figs:
        # without a commit: read in the repo as is; `report post` pins it to a commit
        url = target.figure_url(_rel(figures_dir / f"{f.name}.png", top)) \
            or _rel(figures_dir / f"{f.name}.png", body_path.parent)
        raw_body = raw_body.replace(f"\ue002{f.name}\ue003", url)
    body, claims = recorder.finalize(_tidy(raw_body))
    # the bindings go into the body: a key after each number, the table after the render marker
    body, table = _embed.embed_keys(body, claims, refs)
    body, _ = _regions.mark(body)  # region markers for `report update`
    body = _embed.add_table(body, table)
    if len(body) > MAX_BODY_CHARS:
        raise InputError(f"rendered body has {len(body)} characters; the tracker accepts at "
                         f"most {MAX_BODY_CHARS}", Location(str(body_path)),
                         hint="shorten the narrative or move tables to a linked file")
    sidecar = _embed.claims_in(body, sha256_text(body), __version__)
    files[body_path] = body.encode("utf-8")
    return RenderedReport(body, sidecar, files, body_path, claims_path)


def _figure_files(view, flag, main: Results, refs, figures_dir: Path):
    meta = {"commit": main.run.provenance.git_commit,
            "source_results": [r.model_dump() for r in refs],
            "personageo_version": __version__}
    figs = render_figures(view, flag.hero_layers, flag.hero_method, flag.layer, meta)
    files: dict[Path, bytes] = {}
    for f in figs:
        for ext, data in (("png", f.png), ("pdf", f.pdf), ("json", f.sidecar)):
            files[figures_dir / f"{f.name}.{ext}"] = data
    return files, figs


def _tidy(text: str) -> str:
    """Collapse runs of blank lines (outside fences nothing needs more than one) and end with
    exactly one newline."""
    out, blank, fence = [], 0, None
    for line in text.split("\n"):
        stripped = line.lstrip()
        m = re.match(r"(`{3,}|~{3,})", stripped)
        if m and (fence is None or stripped.startswith(fence)):
            fence = None if fence else m.group(1)
        if fence is None and not line.strip():
            blank += 1
            if blank > 1:
                continue
        else:
            blank = 0
        out.append(line.rstrip() if fence is None else line)
    return "\n".join(out).strip("\n") + "\n"


def write_outputs(rendered: RenderedReport, overwrite: bool) -> list[Path]:
    """Write every file atomically; refuse (before writing anything) to replace an existing
    file whose content differs unless ``overwrite``."""
    clashes = [p for p, data in rendered.files.items()
               if p.exists() and p.read_bytes() != data]
    if clashes and not overwrite:
        raise InputError(f"{len(clashes)} existing file(s) differ from this render and would be "
                         "overwritten", Location(str(clashes[0])),
                         details=[str(p) for p in clashes], hint="pass --overwrite")
    # one set: figures and companions first, the body last, then the manifest naming them
    commit_set(rendered.files, rendered.body_path)
    return sorted(rendered.files, key=lambda p: (p == rendered.body_path, str(p)))


def render_report(target: PublishTarget, *, overwrite: bool = False,
                  figures_only: bool = False) -> RenderedReport:
    """Render and write (see :func:`render` and :func:`write_outputs`); with ``overwrite``,
    the human regions of the body it replaces are carried over (never discarded)."""
    rendered = render(target, figures_only=figures_only)
    if overwrite:
        keep_human_regions(rendered)
    write_outputs(rendered, overwrite)
    return rendered
