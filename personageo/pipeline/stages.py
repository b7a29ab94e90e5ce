"""The stage API: one function per stage, each taking one typed request.

``personageo run`` (:class:`personageo.pipeline.Pipeline`) and the single commands
(``personageo train``, ``extract``, ``analyze``, ``report render``, ``lint`` and the lint gate of
``report post``) call these same functions. The commands only parse their options into a
request, call, and print what comes back; the pipeline adds only the order of the stages and
the skipping of those whose outputs are current.

- train: :class:`TrainRequest` -> :func:`train` -> list of ``TrainResult``
- extract: :class:`ExtractRequest` -> :func:`extract` -> :class:`ExtractOutcome`
- analyze: :class:`AnalyzeRequest` -> :func:`analyze` -> :class:`AnalyzeOutcome`
- render: :class:`RenderRequest` (a :class:`~personageo.report.PublishTarget` inside) ->
  :func:`render` -> :class:`RenderOutcome`
- lint: :class:`LintRequest` -> :func:`lint` -> ``LintResult``

``progress(label, done, total)`` and ``log(message)`` are optional callbacks for people
watching; no stage prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from personageo.errors import InputError, Location
from personageo.files import inside_root, read_json
from personageo.report.target import PublishTarget

if TYPE_CHECKING:  # the config models load in ~0.3 s: not for `personageo lint`
    from personageo.config import ExperimentConfig

Progress = Callable[[str, int, int], None]
Log = Callable[[str], None]


def _quiet(*_args) -> None:
    return None


class UnknownSelectionError(InputError):
    """A request selects something the config does not have (e.g. a condition id)."""


# --------------------------------------------------------------------------- train


@dataclass(frozen=True)
class TrainRequest:
    """Which (condition, seed) runs of ``cfg`` to train, into ``runs_dir``."""

    cfg: ExperimentConfig
    runs_dir: Path
    conditions: tuple[str, ...] = ()
    """Only these condition ids (default: all)."""
    seeds: tuple[int, ...] = ()
    """Only these seeds (default: all)."""
    resume: bool = True
    overwrite: bool = False
    data_root: Path | None = None
    """Directory relative data paths resolve against (default: the working directory)."""

    def runs(self) -> list[tuple[str, int]]:
        """The selected (condition id, seed) runs, in config order."""
        from personageo.train import plan_runs

        unknown = set(self.conditions) - {c.id for c in self.cfg.conditions}
        if unknown:
            raise UnknownSelectionError(f"unknown condition(s): {sorted(unknown)}",
                             hint=f"the config's conditions: "
                                  f"{', '.join(c.id for c in self.cfg.conditions)}")
        return [(c, s) for c, s in plan_runs(self.cfg)
                if (not self.conditions or c in self.conditions)
                and (not self.seeds or s in self.seeds)]


def train(req: TrainRequest, progress: Progress | None = None, log: Log | None = None) -> list:
    """Train (or skip, when current) every selected run; one ``TrainResult`` each."""
    from personageo.train import checkpoint_id, train_condition

    log = log or _quiet
    out = []
    for cond, seed in req.runs():
        log(f"training {checkpoint_id(cond, seed)} ...")
        out.append(train_condition(req.cfg, cond, seed, runs_dir=req.runs_dir,
                                   resume=req.resume, overwrite=req.overwrite,
                                   data_root=req.data_root, progress=progress))
    return out


# --------------------------------------------------------------------------- extract


@dataclass(frozen=True)
class ExtractRequest:
    """Activation stores to extract: every checkpoint of ``cfg``, or one."""

    cfg: ExperimentConfig
    root: Path = Path(".")
    runs_dir: Path | None = None
    """Trained checkpoints (default: ``root / cfg.paths.runs``)."""
    out_root: Path | None = None
    """Activations root (default: ``root / cfg.paths.activations``)."""
    checkpoint: str | None = None
    """One checkpoint id (default: base and every trained checkpoint)."""
    model: Path | None = None
    """Model directory of :attr:`checkpoint` (default: the config's model for base,
    ``runs_dir / id`` otherwise)."""
    methods: tuple[str, ...] | None = None
    resume: bool = True
    skip_untrained: bool = True
    """Without :attr:`checkpoint`: skip (and report) checkpoints not trained yet; False makes
    them an error."""

    def jobs(self, log: Log = _quiet) -> list[tuple[str, str | None]]:
        """(checkpoint id, model directory or None for base) of this process's share."""
        from personageo.config import BASE_CHECKPOINT
        from personageo.extract import dist_env, shard

        if self.model and not self.checkpoint:
            raise InputError("--model needs --checkpoint (which checkpoint the model is)")
        runs = Path(self.runs_dir or Path(self.root) / self.cfg.paths.runs)
        if self.checkpoint:
            model = self.model or (None if self.checkpoint == BASE_CHECKPOINT
                                   else runs / self.checkpoint)
            jobs = [(self.checkpoint, model and str(model))]
        else:
            jobs = [(ck.id, None if ck.id == BASE_CHECKPOINT else str(runs / ck.id))
                    for ck in self.cfg.checkpoints()]
        missing = [ck for ck, m in jobs if m is not None and not Path(m).is_dir()]
        if missing and (self.checkpoint or not self.skip_untrained):
            raise InputError(f"no model directory for checkpoint {missing[0]!r}",
                             hint=f"train it first or pass --model (looked in "
                                  f"{runs / missing[0]})")
        for ck in missing:
            log(f"skipping {ck}: not trained yet ({runs / ck} missing)")
        rank, world, _ = dist_env()
        return shard([j for j in jobs if j[0] not in missing], rank, world)


@dataclass
class ExtractOutcome:
    stores: list[tuple[str, object]] = field(default_factory=list)
    """(checkpoint id, ``ExtractResult``) in extraction order."""
    warnings: list[str] = field(default_factory=list)
    """Each warning once, in the order first met."""
    rank: int = 0
    world_size: int = 1


def extract(req: ExtractRequest, progress: Progress | None = None, log: Log | None = None,
            warn: Log | None = None) -> ExtractOutcome:
    """Extract (or reuse, when current) the stores of this process's checkpoints.

    ``progress`` labels start with the checkpoint id; ``warn`` is called once per distinct
    warning, as it is met.
    """
    from personageo.extract import dist_env, extract_checkpoint

    progress, warn = progress or _quiet, warn or _quiet
    jobs = req.jobs(log or _quiet)
    rank, world, _ = dist_env()
    out = ExtractOutcome(rank=rank, world_size=world)
    for ck, model in jobs:
        results = extract_checkpoint(
            req.cfg, ck, model, out_root=req.out_root,
            methods=list(req.methods) if req.methods else None, resume=req.resume,
            root=req.root, progress=lambda label, d, t, ck=ck: progress(f"{ck} {label}", d, t))
        for r in results:
            out.stores.append((ck, r))
            for w in r.warnings:
                if w not in out.warnings:
                    out.warnings.append(w)
                    warn(w)
    return out


# --------------------------------------------------------------------------- analyze

_VOLATILE = ("started_at", "finished_at", "wall_time_s")


@dataclass(frozen=True)
class AnalyzeRequest:
    """Stored activations (+ train manifests) of ``cfg`` -> one validated results file."""

    cfg: ExperimentConfig
    config_path: str | None = None
    root: Path = Path(".")
    activations: Path | None = None
    """Activation store root (default: ``paths.activations``)."""
    runs: Path | None = None
    """Training runs root with train manifests (default: ``paths.runs``)."""
    output: Path | None = None
    """Results file (default: ``eval_results/issue_N/run_result.json`` or ``paths.results``)."""
    overwrite: bool = False
    """Replace an existing results file whose content differs (else an error)."""

    def results_path(self) -> Path:
        from personageo.analysis import default_results_path

        return Path(self.output) if self.output else inside_root(
            self.root, default_results_path(self.cfg), "paths.results (or experiment id/issue)")


@dataclass
class AnalyzeOutcome:
    run: object
    """The ``RunResult`` written."""
    path: Path

    def warnings(self) -> list[str]:
        """Tests that cannot, or do not, hold their level (also checked by verify: V106,
        V206), and ratios over a baseline from another base extraction (V315 recounts them)."""
        from personageo.stats import unreachable_alpha

        run, out = self.run, []
        cells = {c.id: c for c in run.cells}
        for fam in run.families:
            tests = [cells[m].test for m in fam.members if m in cells]
            why = unreachable_alpha(tests, fam.correction, fam.alpha, fam.reject_rule)
            if why:
                out.append(f"family {fam.id!r}: {why}")
        pair = sum(c.test.kind == "pair_signflip" for c in run.cells)
        if pair:
            out.append(f"{pair} cells rely on the pair sign-flip test, which does not hold its "
                       "level (its pairs share personas); it is here only to reproduce the "
                       "original")
        return out + self._base_warnings()

    def _base_warnings(self) -> list[str]:
        """A warning when ratios divide baseline deltas from another file measured from a base
        that is not (or not known to be) this run's (``same_base`` false or null)."""
        ext = [c for c in self.run.comparisons if c.baseline.source is not None]
        mixed = sum(c.same_base is False for c in ext)
        unknown = sum(c.same_base is None for c in ext)
        if not mixed and not unknown:
            return []
        src = ext[0].baseline.source
        return [f"{mixed} comparisons mix two base extractions and {unknown} use a baseline base "
                f"not known to be this run's (same_base false / null); `personageo verify "
                f"RESULTS --baseline {src}` recounts ratios and verdicts on a common base (or "
                "give baseline.activations to measure the baseline here)"]


def analyze(req: AnalyzeRequest, progress: Log | None = None) -> AnalyzeOutcome:
    """Compute the run result and write it atomically; an existing file with other content
    (timestamps aside) is replaced only with ``overwrite``."""
    from personageo.analysis import analyze as compute
    from personageo.schema import save_run_result

    out = req.results_path()
    run = compute(req.cfg, root=req.root, activations=req.activations, runs=req.runs,
                  config_path=req.config_path, progress=progress)
    if out.exists() and not req.overwrite:
        old = read_json(out)
        new = run.model_dump(mode="json")
        for volatile in _VOLATILE:
            old.get("provenance", {}).pop(volatile, None)
            new["provenance"].pop(volatile, None)
        if old != new:
            raise InputError("results file exists with different content", Location(str(out)),
                             hint="pass --overwrite to replace it")
    t_write = time.perf_counter()
    save_run_result(run, out)
    if progress is not None:
        progress(f"timings: write {time.perf_counter() - t_write:.2f} s")
    return AnalyzeOutcome(run, out)


# --------------------------------------------------------------------------- render


@dataclass(frozen=True)
class RenderRequest:
    """The write-up of :attr:`target`: body (bindings inside) and figures."""

    target: PublishTarget
    overwrite: bool = False
    """Replace existing outputs that differ, keeping the human regions of the old body."""
    figures_only: bool = False
    keep_current: bool = False
    """Write nothing when every output already holds exactly the rendered bytes."""


@dataclass
class RenderOutcome:
    rendered: object
    """The ``RenderedReport``."""
    written: list[Path]
    """Files written, body last (empty when :attr:`current`)."""
    current: bool = False


def render(req: RenderRequest) -> RenderOutcome:
    """Render in memory, then write every file atomically (see
    :func:`personageo.report.write_outputs`)."""
    from personageo.report import render as render_body
    from personageo.report import write_outputs
    from personageo.report._keep import keep_human_regions

    rendered = render_body(req.target, figures_only=req.figures_only)
    if req.overwrite:
        keep_human_regions(rendered)  # a filled-in Human TL;DR survives the rerun
    if req.keep_current and all(p.exists() and p.read_bytes() == data
                                for p, data in rendered.files.items()):
        return RenderOutcome(rendered, [], current=True)
    return RenderOutcome(rendered, write_outputs(rendered, req.overwrite))


# --------------------------------------------------------------------------- lint


@dataclass(frozen=True)
class LintRequest:
    """One body to lint, with its options."""

    body: str
    """The body's path, or ``-`` for a text read from stdin (give :attr:`text`)."""
    options: object
    """``personageo.lint.engine.LintOptions``; without results they are found for the body
    (:mod:`personageo.lint.discover`) unless ``structure_only``."""
    text: str | None = None
    """The body's text when already read (default: read from :attr:`body`)."""
    root: str | None = None
    """Research repo whose ``eval_results/`` holds the results (default: found above body)."""
    pyproject: str | None = None
    """``pyproject.toml`` holding ``[tool.personageo.lint]`` (default: the nearest one)."""


def lint(req: LintRequest):
    """Lint one body; the ``LintResult`` (its ``exit_code``: 0 clean, 1 errors, 3 numbers not
    checked)."""
    from dataclasses import replace

    from personageo.lint.config import load_config
    from personageo.lint.discover import discover
    from personageo.lint.engine import lint_text, read_body
    from personageo.lint.registry import all_rules

    stdin = req.body == "-"
    text = req.text if req.text is not None else read_body(req.body)
    options = req.options
    if not (options.results or options.structure_only or (stdin and req.root is None)):
        found = discover(Path(req.body), text, root=Path(req.root) if req.root else None,
                         issue=options.issue)
        options = replace(options, results=tuple(found.results), inputs=tuple(found.notes))
    config = load_config(all_rules(), start=None if stdin else req.body,
                         pyproject=req.pyproject)
    return lint_text(text, "<stdin>" if stdin else str(req.body), options, config)
