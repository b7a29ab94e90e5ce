"""``personageo run``: train -> extract -> analyze -> render -> lint from one config.

Each stage is skipped when its outputs are current: training and extraction by their own
content keys (run key / cache key in their manifests), analysis and rendering by stage stamps
over the hashes of their inputs (:mod:`personageo.pipeline._stamps`). Lint always runs.
Each stage is the same function the single command calls (:mod:`personageo.pipeline.stages`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from personageo import __version__
from personageo.config import BASE_CHECKPOINT, ExperimentConfig
from personageo.errors import InputError
from personageo.files import inside_root, sha256_file, sha256_json
from personageo.pipeline import _stamps, stages
from personageo.report.target import PublishTarget

Progress = Callable[[str, int, int], None]

STAGES = ("train", "extract", "analyze", "render", "lint")


@dataclass
class StageOutcome:
    stage: str
    status: str
    """``ran``, ``current`` (skipped), ``planned`` (dry run), ``would run`` (dry run)."""
    detail: str = ""
    outputs: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class RunSummary:
    outcomes: list[StageOutcome]
    results_path: Path | None = None
    report_path: Path | None = None
    verdicts: list[str] = field(default_factory=list)
    lint_errors: int | None = None
    lint_warnings: int | None = None
    lint_text: str = ""


def _noop(label: str, done: int, total: int) -> None:  # pragma: no cover - trivial
    pass


class Pipeline:
    """The stage graph of one experiment config, rooted at ``root``."""

    def __init__(self, cfg: ExperimentConfig, *, config_path: str, root: str | Path = ".",
                 stages: tuple[str, ...] = STAGES, force: bool = False,
                 progress: Progress | None = None, log: Callable[[str], None] | None = None,
                 issue: int | None = None) -> None:
        self.cfg = cfg
        self.config_path = config_path
        self.root = Path(root)
        self.stages = stages
        self.force = force
        self.progress = progress or _noop
        self.log = log or (lambda msg: None)
        self.runs = inside_root(self.root, cfg.paths.runs, "paths.runs")
        self.activations = inside_root(self.root, cfg.paths.activations, "paths.activations")
        self.results = self._analyze_request().results_path()

    # ------------------------------------------------------------------ plan
    def plan(self) -> list[StageOutcome]:
        """What a run would do, without loading a model or writing a file."""
        out = []
        if "train" in self.stages:
            todo = [ck.id for ck in self._trained() if not self._train_done(ck.id)]
            out.append(StageOutcome("train", "would run" if todo else "current",
                                    f"{len(todo)} of {len(self._trained())} checkpoints to train: "
                                    + ", ".join(todo) if todo else "all checkpoints trained"))
        if "extract" in self.stages:
            todo = [f"{ck.id}/{m.id}" for ck in self.cfg.checkpoints() for m in self.cfg.methods
                    if not (self.activations / ck.id / m.id / "manifest.json").exists()]
            out.append(StageOutcome("extract", "would run" if todo else "current",
                                    f"{len(todo)} stores missing" if todo else
                                    "all stores present (cache keys checked when run)"))
        for stage in ("analyze", "render"):
            if stage in self.stages:
                out.append(StageOutcome(stage, "would run", "runs unless its stamp is current"))
        if "lint" in self.stages:
            out.append(StageOutcome("lint", "would run", "always"))
        return out

    # ------------------------------------------------------------------ run
    def run(self) -> RunSummary:
        summary = RunSummary(outcomes=[])
        steps = {"train": self._train, "extract": self._extract, "analyze": self._analyze,
                 "render": self._render, "lint": self._lint}
        for stage in STAGES:
            if stage not in self.stages:
                continue
            t0 = time.perf_counter()
            self.log(f"{stage}: started")
            outcome = steps[stage](summary)
            outcome.seconds = round(time.perf_counter() - t0, 1)
            summary.outcomes.append(outcome)
            self.log(f"{stage}: {outcome.status} ({outcome.seconds} s) {outcome.detail}")
        return summary

    def _trained(self):
        return [ck for ck in self.cfg.checkpoints() if ck.id != BASE_CHECKPOINT]

    def _train_done(self, ck_id: str) -> bool:
        import json

        p = self.runs / ck_id / "train_manifest.json"
        return p.exists() and json.loads(p.read_text()).get("status") == "complete"

    def _train(self, summary: RunSummary) -> StageOutcome:
        results = stages.train(stages.TrainRequest(
            self.cfg, self.runs, resume=not self.force, overwrite=self.force,
            data_root=self.root), progress=self.progress, log=self.log)
        ran = [r.checkpoint_dir.name for r in results if not r.skipped]
        return StageOutcome("train", "ran" if ran else "current",
                            f"trained {', '.join(ran)}" if ran else f"{len(results)} runs current")

    def _extract(self, summary: RunSummary) -> StageOutcome:
        done = stages.extract(
            stages.ExtractRequest(self.cfg, root=self.root, runs_dir=self.runs,
                                  out_root=self.activations, resume=not self.force,
                                  skip_untrained=False),
            progress=lambda label, d, t: self.progress(f"extract {label}", d, t),
            log=self.log, warn=lambda w: self.log(f"extract: warning: {w}"))
        ran = [f"{ck}/{r.manifest.method}" for ck, r in done.stores if not r.skipped]
        return StageOutcome("extract", "ran" if ran else "current",
                            f"extracted {len(ran)} stores" if ran else "all stores current")

    def _analysis_inputs(self) -> str:
        from personageo.activations import read_manifest

        stores = {f"{ck.id}/{m.id}": read_manifest(self.activations / ck.id / m.id).vectors_sha256
                  for ck in self.cfg.checkpoints() for m in self.cfg.methods}
        trains = {}
        for ck in self._trained():
            p = self.runs / ck.id / "train_manifest.json"
            trains[ck.id] = sha256_file(p) if p.exists() else None
        baseline = None
        if self.cfg.baseline:
            baseline = sha256_file(self.root / self.cfg.baseline.results)
        key = {"config": self.cfg.config_hash(), "stores": stores, "train": trains,
               "baseline": baseline, "inputs": [sha256_file(self.root / self.cfg.personas),
                                                sha256_file(self.root / self.cfg.questions)]}
        if self.cfg.baseline and self.cfg.baseline.activations:  # the baseline run's stores
            ext = self.root / self.cfg.baseline.activations
            key["baseline_activations"] = {str(p.relative_to(ext)): sha256_file(p)
                                           for p in sorted(ext.glob("*/*/manifest.json"))}
        return sha256_json(key)

    def _analyze_request(self) -> stages.AnalyzeRequest:
        return stages.AnalyzeRequest(self.cfg, self.config_path, root=self.root,
                                     activations=self.activations, runs=self.runs,
                                     overwrite=True)

    def _analyze(self, summary: RunSummary) -> StageOutcome:
        from personageo.schema import load_run_result

        summary.results_path = self.results
        key = self._analysis_inputs()
        if not self.force and _stamps.is_current(self.root, "analyze", key):
            run = load_run_result(self.results)
            status = "current"
        else:
            run = stages.analyze(self._analyze_request()).run
            _stamps.write_stamp(self.root, "analyze", key, [self.results])
            status = "ran"
        summary.verdicts = [f"{v.method}/{v.group}: {v.result} "
                            f"({v.rule.labels.get(v.result, v.result)})" for v in run.verdicts]
        return StageOutcome("analyze", status, f"{len(run.cells)} cells, "
                            f"{sum(c.significant for c in run.cells)} significant",
                            [str(self.results)])

    def publish_target(self) -> PublishTarget:
        """Where the write-up of this experiment goes (``experiment.issue`` and ``repo``)."""
        cfg, root = self.cfg, self.root
        if cfg.experiment.issue is None:
            raise InputError("experiment.issue is needed to render a write-up",
                             hint="set experiment.issue in the config")
        return PublishTarget(
            issue=cfg.experiment.issue, root=root, repo=cfg.experiment.repo,
            results=self.results, baseline=root / cfg.baseline.results if cfg.baseline else None,
            body=inside_root(root, cfg.paths.report, "paths.report") if cfg.paths.report
            else None,
            figures_dir=(inside_root(root, cfg.paths.figures, "paths.figures")
                         if cfg.paths.figures else None))

    def _render(self, summary: RunSummary) -> StageOutcome:
        target = self.publish_target()
        narrative = self.root / "reports" / f"issue_{target.issue}.narrative.md"
        key = sha256_json({"results": sha256_file(self.results),
                           "narrative": sha256_file(narrative) if narrative.exists() else None,
                           "version": __version__})
        done = stages.render(stages.RenderRequest(
            target, overwrite=True,
            keep_current=not self.force and _stamps.is_current(self.root, "render", key)))
        body = done.rendered.body_path
        summary.report_path = body
        outputs = [str(p) for p in sorted(done.rendered.files)]
        if done.current:
            return StageOutcome("render", "current", str(body), outputs)
        _stamps.write_stamp(self.root, "render", key, sorted(done.rendered.files))
        return StageOutcome("render", "ran", f"{body} + {len(outputs) - 1} figure files",
                            outputs)

    def _lint(self, summary: RunSummary) -> StageOutcome:
        from personageo.lint.engine import LintOptions
        from personageo.lint.output import format_text

        body = summary.report_path
        if body is None or not Path(body).exists():
            return StageOutcome("lint", "skipped", "no rendered body")
        results = [str(self.results)]
        if self.cfg.baseline:
            results.append(str(self.root / self.cfg.baseline.results))
        res = stages.lint(stages.LintRequest(str(body), LintOptions(results=tuple(results))))
        summary.lint_errors = len(res.errors)
        summary.lint_warnings = len(res.warnings)
        summary.lint_text = format_text(res)
        return StageOutcome("lint", "failed" if res.errors else "ran",
                            f"{len(res.errors)} error(s), {len(res.warnings)} warning(s)")
