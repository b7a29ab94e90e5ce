"""The experiment config: located errors, "did you mean", --set overrides, subsets, JSON Schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from personageo.cli.main import main
from personageo.config import load_config
from personageo.config._load import SCHEMA_NAME
from personageo.errors import InputError
from personageo.inputs import Question, QuestionFile, select_personas, select_questions
from personageo.train.runner import effective_settings

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "configs" / "demo.yaml"
SCHEMA = REPO / "schemas" / SCHEMA_NAME



def _line_of(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if needle in ln)


def _err(path, overrides=()) -> InputError:
    with pytest.raises(InputError) as err:
        load_config(path, overrides)
    return err.value


def test_a_misspelt_key_points_at_its_line_and_suggests_the_name(tmp_path):
    p = tmp_path / "exp.yaml"
    text = DEMO.read_text().replace("  n_perm:", "  n_perms:")
    assert text != DEMO.read_text()
    p.write_text(text)
    err = _err(p)
    line = _line_of(p, "n_perms:")
    assert f"{p}:{line}:3: analysis.n_perms: unknown key; did you mean 'n_perm'?" in str(err)
    assert "#/analysis" not in str(err)


def test_a_bad_value_points_at_the_value(tmp_path):
    p = tmp_path / "exp.yaml"
    p.write_text(re.sub(r"  n_perm: \d+", "  n_perm: many", DEMO.read_text()))
    err = _err(p)
    line = _line_of(p, "n_perm: many")
    assert f"{p}:{line}:11: analysis.n_perm: Input should be a valid integer" in str(err)


def test_a_missing_key_points_at_its_section_and_unknown_top_level_keys_list_known(tmp_path):
    p = tmp_path / "exp.yaml"
    p.write_text("experiment: {issue: 3}\nmodel: {name: m}\npersonas: p.json\nquestions: q.jsonl\n"
                 "layers: [1]\nmethods: []\nconditions: []\nzzz: 1\n")
    err = str(_err(p))
    assert f"{p}:1:1: experiment.id: Field required" in err
    assert f"{p}:8:1: zzz: unknown key (known: " in err and "subset" in err


def test_training_overrides_are_checked_at_load_with_yaml_positions(tmp_path):
    p = tmp_path / "exp.yaml"
    text = DEMO.read_text().replace(
        "training: {method: full, lr: 1.0e-4, steps: 12, seeds: [42]}\n"
        "    data: {name: benign",
        "training:\n      method: full\n      lr: 1.0e-4\n      overrides:\n"
        "        grad_acum: 2\n        per_device_batch: 0\n        report_to: [wandb]\n"
        "    data: {name: benign", 1)
    assert text != DEMO.read_text()
    p.write_text(text)
    err = str(_err(p))
    typo, bad = _line_of(p, "grad_acum: 2"), _line_of(p, "per_device_batch: 0")
    assert f"{p}:{typo}:9: conditions.3.training.overrides.grad_acum: unknown key; " \
        "did you mean 'grad_accum'?" in err
    assert f"{p}:{bad}:27: conditions.3.training.overrides.per_device_batch: Input should be " \
        "greater than or equal to 1" in err
    assert "#/" not in err and "2 error(s)" in err
    # a valid override applies to its condition only, and dumps as given (the run keys hash it)
    cfg = load_config(p, ["conditions.3.training.overrides={per_device_batch: 2, "
                          "logging_steps: 5}"])
    assert cfg.conditions[3].training.overrides.model_dump() == {
        "per_device_batch": 2, "logging_steps": 5}
    assert cfg.conditions[2].training.overrides.model_dump() == {}
    full = effective_settings(cfg, cfg.conditions[3].id)
    assert (full.per_device_batch, full.logging_steps, full.grad_accum) == (
        2, 5, cfg.train.grad_accum)
    assert effective_settings(cfg, cfg.conditions[2].id) == cfg.train
    # a condition's own save_steps are checkpoints the later stages measure, its alone
    cfg = load_config(DEMO, ["conditions.3.training.overrides.save_steps=[4, 8]"])
    last, other = cfg.conditions[3], cfg.conditions[2]
    steps = [(ck.condition, ck.step) for ck in cfg.checkpoints() if ck.step is not None]
    assert steps == [(last.id, 4), (last.id, 8)] and cfg.train.save_steps == []
    assert cfg.train_settings(other.id) == cfg.train


def test_analysis_settings_out_of_range_fail_at_load_not_after_training():
    err = str(_err(DEMO, ["analysis.n_perm=0", "analysis.alpha=1.5",
                          "analysis.verdict.min_votes=0"]))
    assert "3 error(s)" in err
    assert "analysis.n_perm: Input should be greater than or equal to 1" in err
    assert "analysis.alpha: Input should be less than 1" in err
    assert "analysis.verdict.min_votes: Input should be greater than or equal to 1" in err


def test_set_overrides_values_and_names_itself_in_errors(tmp_path):
    cfg = load_config(DEMO, ["analysis.n_perm=99", "layers=[1, 2]", "subset.personas=[a, b]",
                             "conditions.0.training.lr=3e-4"])
    assert cfg.analysis.n_perm == 99 and cfg.layers == [1, 2]
    assert cfg.subset.personas == ["a", "b"] and cfg.conditions[0].training.lr == 3e-4
    err = str(_err(DEMO, ["analysis.n_perms=5"]))
    assert "--set analysis.n_perms=5: analysis.n_perms: unknown key; did you mean 'n_perm'?" \
        in err
    with pytest.raises(InputError, match="is not KEY.PATH=VALUE"):
        load_config(DEMO, ["analysis.n_perm"])


def test_every_stage_command_takes_set(tmp_path, capsys):
    for stage in ("train", "extract", "analyze", "run"):
        code = main([stage, str(DEMO), "--set", "analysis.n_perms=5", *(
            ["--dry-run"] if stage in ("train", "run") else [])])
        err = capsys.readouterr().err
        assert code == 2 and "did you mean 'n_perm'" in err, (stage, err)


def test_subsets_by_name():
    personas = {"villain": "v", "teacher": "t", "librarian": "l"}
    assert list(select_personas(personas, ["librarian", "villain"])) == ["villain", "librarian"]
    assert select_personas(personas, None) is personas
    with pytest.raises(InputError) as err:
        select_personas(personas, ["villian"])
    assert "'villian': did you mean 'villain'?" in str(err.value)
    qs = QuestionFile([Question(1, "a"), Question("q2", "b"), Question(3, "c")], "h", "q.jsonl")
    assert [q.id for q in select_questions(qs, ["3", "q2"]).questions] == ["q2", 3]
    with pytest.raises(InputError, match="not in q.jsonl"):
        select_questions(qs, [4])


def test_schema_validates_what_the_loader_accepts_and_rejects_a_typo(tmp_path):
    schema = json.loads(SCHEMA.read_text())
    demo = yaml.safe_load(DEMO.read_text())
    jsonschema.validate(demo, schema)
    load_config(DEMO)
    demo["analysis"]["n_perms"] = demo["analysis"].pop("n_perm")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(demo, schema)


def test_the_demo_config_names_the_schema_for_editors():
    first = DEMO.read_text().splitlines()[0]
    m = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert m and (DEMO.parent / m.group(1)).resolve() == SCHEMA.resolve()
