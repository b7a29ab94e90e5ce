"""``personageo init``: a commented config and a narrative that work as written, never
overwriting."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
import yaml

from personageo.cli.main import main
from personageo.config import load_config
from personageo.config._load import SCHEMA_NAME
from personageo.report import PublishTarget, render
from tests.builders import toy


@pytest.mark.slow
def test_init_writes_a_valid_commented_config_and_a_narrative(tmp_path, capsys):
    assert main(["init", "pilot", "--issue", "7", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    config = tmp_path / "configs" / "pilot.yaml"
    narrative = tmp_path / "reports" / "issue_7.narrative.md"
    assert f"wrote {config}" in out and f"wrote {narrative}" in out
    text = config.read_text()
    m = re.match(r"# yaml-language-server: \$schema=(\S+)\n", text)
    schema_path = (config.parent / m.group(1)).resolve()
    assert schema_path == (tmp_path / "schemas" / SCHEMA_NAME).resolve()
    jsonschema.validate(yaml.safe_load(text), json.loads(schema_path.read_text()))
    cfg = load_config(config)
    assert cfg.experiment.id == "pilot" and cfg.experiment.issue == 7
    assert sum(ln.lstrip().startswith("#") or " # " in ln for ln in text.splitlines()) >= 15

    # the narrative renders against results of that issue
    results = tmp_path / "eval_results" / "issue_7" / "run_result.json"
    results.parent.mkdir(parents=True)
    results.write_text(json.dumps(toy()))
    body = render(PublishTarget(issue=7, root=tmp_path, repo="a/b")).body
    assert "TODO: what was known before this experiment" in body


def test_init_never_overwrites(tmp_path, capsys):
    args = ["init", "pilot", "--issue", "7", "--root", str(tmp_path)]
    assert main(args) == 0
    config = tmp_path / "configs" / "pilot.yaml"
    config.write_text("my own words\n")
    capsys.readouterr()
    assert main(args) == 2
    assert "init never overwrites" in capsys.readouterr().err
    assert config.read_text() == "my own words\n"
    schema = tmp_path / "schemas" / SCHEMA_NAME
    schema.write_text("{}")
    assert main(["init", "second", "--issue", "8", "--root", str(tmp_path)]) == 0
    assert f"kept  {schema} (exists)" in capsys.readouterr().out
    assert schema.read_text() == "{}"


@pytest.mark.model  # the dry run's pre-flight loads the GGUF tokenizer: 90-113 s measured on the
# loaded 2-core machine, nearly all in transformers parsing the GGUF file three times
def test_with_example_data_the_plan_runs_at_once(tmp_path, capsys, monkeypatch):
    assert main(["init", "pilot", "--issue", "7", "--root", str(tmp_path),
                 "--example-data"]) == 0
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["run", "configs/pilot.yaml", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "lora_em-s42, full_em-s42" in out
