"""``personageo run`` and the single commands call the SAME stage functions
(:mod:`personageo.pipeline.stages`): each stage function is replaced by one that records its
request and stops, and both command lines must reach it with the same request."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from personageo.cli.main import cli
from personageo.pipeline import Pipeline, stages
from tests.pipeline.test_run import _config


class Reached(Exception):
    """Raised by a replaced stage function: the request it was called with."""

    def __init__(self, stage: str, request) -> None:
        super().__init__(stage)
        self.stage, self.request = stage, request


def _stop_at(monkeypatch, name: str) -> None:
    def fake(request, *args, **kwargs):
        raise Reached(name, request)
    monkeypatch.setattr(stages, name, fake)


def _reached(args: list[str]) -> Reached:
    res = CliRunner().invoke(cli, args)
    assert isinstance(res.exception, Reached), (res.exit_code, res.output, res.exception)
    return res.exception


@pytest.fixture
def config(tmp_path) -> Path:
    return _config(tmp_path)


def test_run_and_extract_call_the_same_stage(config, tmp_path, monkeypatch):
    _stop_at(monkeypatch, "extract")
    via_run = _reached(["run", str(config), "--root", str(tmp_path), "--only", "extract"])
    via_cmd = _reached(["extract", str(config), "--root", str(tmp_path)])
    assert via_run.stage == via_cmd.stage == "extract"
    for req in (via_run.request, via_cmd.request):
        assert isinstance(req, stages.ExtractRequest)
        assert req.cfg.experiment.id == "pipeline_test" and req.resume
        assert Path(req.root) == tmp_path
    # the single command skips untrained checkpoints; the pipeline has just trained them
    assert via_cmd.request.skip_untrained and not via_run.request.skip_untrained


def test_run_and_analyze_call_the_same_stage(config, tmp_path, monkeypatch):
    _stop_at(monkeypatch, "analyze")
    monkeypatch.setattr(Pipeline, "_analysis_inputs", lambda self: "no stores in this test")
    via_run = _reached(["run", str(config), "--root", str(tmp_path), "--only", "analyze"])
    via_cmd = _reached(["analyze", str(config), "--root", str(tmp_path)])
    for req in (via_run.request, via_cmd.request):
        assert isinstance(req, stages.AnalyzeRequest)
        assert req.results_path() == tmp_path / "eval_results" / "issue_5" / "run_result.json"
    assert via_run.request.overwrite and not via_cmd.request.overwrite


def test_run_and_report_render_call_the_same_stage_with_one_target(config, tmp_path,
                                                                   monkeypatch):
    _stop_at(monkeypatch, "render")
    results = tmp_path / "eval_results" / "issue_5" / "run_result.json"
    results.parent.mkdir(parents=True)
    results.write_text("{}")  # the pipeline hashes it before rendering
    via_run = _reached(["run", str(config), "--root", str(tmp_path), "--only", "render"])
    via_cmd = _reached(["report", "render", "--issue", "5", "--root", str(tmp_path),
                        "--repo", "example/research", "--overwrite"])
    run_target, cmd_target = via_run.request.target, via_cmd.request.target
    assert run_target.issue == cmd_target.issue == 5
    assert run_target.repo == cmd_target.repo == "example/research"
    assert run_target.body_path() == cmd_target.body_path() == tmp_path / "reports" / "issue_5.md"
    assert run_target.files().results == cmd_target.files().results == results
    assert via_run.request.overwrite and via_cmd.request.overwrite


def test_run_lint_and_the_post_gate_call_the_same_stage(config, tmp_path, monkeypatch):
    body = tmp_path / "reports" / "issue_5.md"
    body.parent.mkdir()
    body.write_text("# a body\n")
    results = tmp_path / "eval_results" / "issue_5" / "run_result.json"
    results.parent.mkdir(parents=True)
    results.write_text("{}")
    rendered = SimpleNamespace(body_path=body, files={body: body.read_bytes()})
    monkeypatch.setattr(stages, "render", lambda req: stages.RenderOutcome(rendered, [body]))
    _stop_at(monkeypatch, "lint")
    via_run = _reached(["run", str(config), "--root", str(tmp_path), "--only", "render",
                        "--only", "lint"])
    via_cmd = _reached(["lint", str(body), "--results", str(results)])
    from personageo.cli.report_post import lint_error_lines

    with pytest.raises(Reached) as via_post:
        lint_error_lines(body, [results])
    for reached in (via_run, via_cmd, via_post.value):
        req = reached.request
        assert isinstance(req, stages.LintRequest)
        assert Path(req.body) == body and req.options.results == (str(results),)


def test_train_rejects_an_unknown_condition_as_a_usage_error(config):
    res = CliRunner().invoke(cli, ["train", str(config), "--condition", "nope", "--dry-run"])
    assert res.exit_code == 2 and "unknown condition(s): ['nope']" in res.output
    with pytest.raises(stages.UnknownSelectionError):
        stages.TrainRequest(SimpleNamespace(conditions=[]), Path("runs"), ("nope",)).runs()


#: what a stage does, which the commands reach only through :mod:`personageo.pipeline.stages`
_STAGE_WORK = {"personageo.train.train_condition", "personageo.extract.extract_checkpoint",
               "personageo.analysis.analyze", "personageo.schema.save_run_result",
               "personageo.report.render", "personageo.report.render_report",
               "personageo.report.write_outputs", "personageo.report.update.plan_update",
               "personageo.lint.engine.lint_text", "personageo.lint.engine.lint_file",
               "personageo.lint.discover.discover", "personageo.lint.config.load_config"}


@pytest.mark.parametrize("module", ["train", "extract", "analyze", "report_render", "lint",
                                    "run", "report_post"])
def test_stage_commands_only_parse_call_and_print(module):
    import ast

    path = Path(__file__).resolve().parents[2] / "personageo" / "cli" / f"{module}.py"
    imported = {f"{node.module}.{alias.name}"
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.ImportFrom) and node.module for alias in node.names}
    assert not imported & _STAGE_WORK, f"cli/{module}.py does a stage's work itself"
