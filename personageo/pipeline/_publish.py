"""The publishing end of ``personageo run``: render the write-up, then lint it.

The body links its figures by relative path (it reads correctly in the repository at once);
``personageo report post`` pins them to the commit that holds them when the body is posted.
"""

from __future__ import annotations

from pathlib import Path

from personageo import __version__
from personageo.errors import InputError
from personageo.files import inside_root, sha256_file, sha256_json
from personageo.pipeline import _stamps


def _render_options(pipe):
    from personageo.report import RenderOptions

    cfg = pipe.cfg
    issue = cfg.experiment.issue
    if issue is None:
        raise InputError("experiment.issue is needed to render a write-up",
                         hint="set experiment.issue in the config")
    root = pipe.root
    baseline = root / cfg.baseline.results if cfg.baseline else None
    return RenderOptions(
        issue=issue, root=root, results=pipe.results, baseline=baseline,
        output=inside_root(root, cfg.paths.report, "paths.report") if cfg.paths.report else None,
        figures_dir=(inside_root(root, cfg.paths.figures, "paths.figures")
                     if cfg.paths.figures else None),
        repo=cfg.experiment.repo, overwrite=True)


def render_stage(pipe, summary):
    from personageo.pipeline._run import StageOutcome
    from personageo.report import render, write_outputs
    from personageo.report._keep import keep_human_regions

    opts = _render_options(pipe)
    narrative = opts.narrative or pipe.root / "reports" / f"issue_{opts.issue}.narrative.md"
    key = sha256_json({"results": sha256_file(pipe.results),
                       "narrative": sha256_file(narrative) if narrative.exists() else None,
                       "version": __version__})
    rendered = render(opts)
    keep_human_regions(rendered)  # a filled-in Human TL;DR survives the rerun
    summary.report_path = rendered.body_path
    outputs = sorted(rendered.files)
    if not pipe.force and _stamps.is_current(pipe.root, "render", key) and all(
            p.exists() and p.read_bytes() == data for p, data in rendered.files.items()):
        return StageOutcome("render", "current", str(rendered.body_path),
                            [str(p) for p in outputs])
    write_outputs(rendered, overwrite=True)
    _stamps.write_stamp(pipe.root, "render", key, outputs)
    return StageOutcome("render", "ran", f"{rendered.body_path} + {len(outputs) - 1} figure "
                        "files", [str(p) for p in outputs])


def lint_stage(pipe, summary):
    from personageo.lint.config import load_config
    from personageo.lint.engine import LintOptions, lint_file
    from personageo.lint.output import format_text
    from personageo.lint.registry import all_rules
    from personageo.pipeline._run import StageOutcome

    body = summary.report_path
    if body is None or not Path(body).exists():
        return StageOutcome("lint", "skipped", "no rendered body")
    results = [str(pipe.results)]
    if pipe.cfg.baseline:
        results.append(str(pipe.root / pipe.cfg.baseline.results))
    config = load_config(all_rules(), start=Path(body))  # the body carries its bindings
    res = lint_file(body, LintOptions(results=tuple(results)), config)
    summary.lint_errors = len(res.errors)
    summary.lint_warnings = len(res.warnings)
    summary.lint_text = format_text(res)
    status = "failed" if res.errors else "ran"
    return StageOutcome("lint", status, f"{len(res.errors)} error(s), {len(res.warnings)} "
                        f"warning(s)")
