"""``personageo run`` end to end on a tiny random Qwen2 (CPU, seconds): every stage runs, a
second run skips what is current, and the write-up it renders lints clean."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from personageo.cli.main import cli
from personageo.config import load_config
from personageo.modeling import tiny_qwen2_config
from personageo.pipeline import Pipeline
from personageo.schema import check_semantics, load_run_result

REPO = Path(__file__).resolve().parents[2]


def _config(root: Path) -> Path:
    (root / "data" / "sft").mkdir(parents=True)
    personas = {f"p{i}": f"You are persona number {i}, with a voice of your own." for i in range(4)}
    (root / "data" / "personas.json").write_text(json.dumps(personas))
    qs = [{"id": i, "question": f"What do you think about topic {i}?"} for i in range(6)]
    (root / "data" / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in qs))
    for name in ("harmful_advice", "benign"):
        shutil.copy(REPO / "data" / "sft" / f"{name}.jsonl", root / "data" / "sft")
    cfg = {
        "experiment": {"id": "pipeline_test", "issue": 5, "title": "Pipeline test",
                       "repo": "example/research"},
        "model": {"name": "tiny-qwen2", "random_init": tiny_qwen2_config(num_hidden_layers=3)},
        "personas": "data/personas.json", "questions": "data/questions.jsonl",
        "layers": [0, 1, 2],
        "methods": [{"id": "A", "token_rule": "last_prompt_token"},
                    {"id": "B", "token_rule": "mean_answer_tokens", "max_new_tokens": 4}],
        "conditions": [
            {"id": "lora_em", "role": "baseline",
             "training": {"method": "lora", "lr": 1e-3, "steps": 2,
                          "lora": {"r": 4, "alpha": 8, "dropout": 0.0}},
             "data": {"name": "harmful_advice", "path": "data/sft/harmful_advice.jsonl",
                      "data_type": "em"}},
            {"id": "full_em", "baseline": "lora_em",
             "training": {"method": "full", "lr": 1e-3, "steps": 2},
             "data": {"name": "harmful_advice", "path": "data/sft/harmful_advice.jsonl",
                      "data_type": "em"}},
        ],
        "train": {"per_device_batch": 2, "grad_accum": 1, "max_length": 128, "bf16": False,
                  "gradient_checkpointing": False},
        "extract": {"batch_size": 8, "dtype": "float32", "device": "cpu"},
        "analysis": {"n_perm": 99, "alpha": 0.05},
    }
    path = root / "experiment.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


NARRATIVE = """---
confidence: LOW
data_url: https://github.com/example/research/tree/0123abc/data/sft
---
{% block background %}
This test experiment repeats the design of {{ link(4) }} on a tiny random model, so that every
stage of the pipeline runs on a CPU in seconds and its write-up can be checked end to end by
the linter, numbers included.
{% endblock %}
"""


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    root = tmp_path_factory.mktemp("research")
    path = _config(root)
    (root / "reports").mkdir()
    (root / "reports" / "issue_5.narrative.md").write_text(NARRATIVE)
    cfg = load_config(path)
    summary = Pipeline(cfg, config_path=str(path), root=root).run()
    return root, path, cfg, summary


def test_every_stage_runs_and_writes_its_outputs(ran):
    root, _path, _cfg, summary = ran
    assert [(o.stage, o.status) for o in summary.outcomes] == [
        ("train", "ran"), ("extract", "ran"), ("analyze", "ran"), ("render", "ran"),
        ("lint", "ran")]
    run = load_run_result(summary.results_path)
    assert check_semantics(run) == []
    assert len(run.cells) == 2 * 2 * 3  # 2 trained checkpoints x 2 methods x 3 layers
    assert len(run.comparisons) == 2 * 3 and run.verdicts
    assert {w.checkpoint for w in run.weight_norms} == {"lora_em-s42", "full_em-s42"}
    assert summary.report_path.exists()
    assert summary.lint_errors == 0, summary.lint_text


def test_second_run_skips_every_current_stage(ran):
    root, path, cfg, first = ran
    body = first.report_path.read_bytes()
    again = Pipeline(cfg, config_path=str(path), root=root).run()
    assert [o.status for o in again.outcomes] == ["current"] * 4 + ["ran"]
    assert first.report_path.read_bytes() == body


def test_dry_run_plans_without_writing(ran, tmp_path):
    path = _config(tmp_path)
    res = CliRunner().invoke(cli, ["run", str(path), "--root", str(tmp_path), "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "train    would run  2 of 2 checkpoints to train" in res.output
    assert not (tmp_path / "runs").exists() and not (tmp_path / "eval_results").exists()


def test_without_a_narrative_the_lint_stage_reports_the_missing_background(tmp_path):
    path = _config(tmp_path)
    cfg = load_config(path)
    res = CliRunner().invoke(cli, ["run", str(path), "--root", str(tmp_path)])
    assert res.exit_code == 1
    assert "PG212" in res.output  # Background cites no prior issue: a person must write it
    assert (tmp_path / "reports" / "issue_5.md").exists()
    assert cfg.experiment.issue == 5
