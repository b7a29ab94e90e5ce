"""``personageo extract`` on tiny models: output, reruns, errors and torchrun-style sharding."""

from __future__ import annotations

import json

import pytest

from personageo.activations import read_manifest
from personageo.cli.main import main

from .conftest import tiny_spec, write_experiment

CONDITION = {"id": "c1", "training": {"method": "full", "lr": 1e-4, "seeds": [1]},
             "data": {"name": "d", "path": "d.jsonl", "data_type": "em"}}


def _run(capsys, *args):
    code = main(["extract", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture()
def trained(tmp_path):
    """An experiment with base + one 'trained' checkpoint (a saved random Qwen2 directory)."""
    from personageo.modeling import load_model_and_tokenizer

    config = write_experiment(tmp_path, conditions=[CONDITION])
    model, tok = load_model_and_tokenizer(tiny_spec(seed=1), dtype="float32")
    model.save_pretrained(tmp_path / "runs" / "c1-s1")
    tok.save_pretrained(tmp_path / "runs" / "c1-s1")
    return tmp_path, config


def test_extract_all_checkpoints_then_current(trained, capsys):
    root, config = trained
    code, out, err = _run(capsys, config, "--root", root, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert [(s["checkpoint"], s["method"], s["status"]) for s in report["stores"]] == \
        [("base", "A", "extracted"), ("c1-s1", "A", "extracted")]
    assert report["warnings"] == ["questions with identical text: 0, 3"]
    base = read_manifest(root / "activations/base/A")
    trained_m = read_manifest(root / "activations/c1-s1/A")
    assert trained_m.model["source"] == "local"
    assert trained_m.model["weights_sha256"] != base.model["weights_sha256"]
    code, out, _ = _run(capsys, config, "--root", root)
    assert code == 0
    assert out.splitlines() == [f"base/A: current -> {root / 'activations/base/A'}",
                                f"c1-s1/A: current -> {root / 'activations/c1-s1/A'}"]


@pytest.mark.parametrize("rank, expect", [("0", ["base"]), ("1", ["c1-s1"])])
def test_ranks_take_disjoint_checkpoints(trained, capsys, monkeypatch, rank, expect):
    root, config = trained
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", rank)
    code, out, err = _run(capsys, config, "--root", root, "--format", "json")
    assert code == 0, err
    assert [s["checkpoint"] for s in json.loads(out)["stores"]] == expect


def test_untrained_checkpoints_are_reported(tmp_path, capsys):
    config = write_experiment(tmp_path, conditions=[CONDITION])
    code, out, err = _run(capsys, config, "--root", tmp_path, "--batch-size", "16")
    assert code == 0
    assert "skipping c1-s1: not trained yet" in err
    assert out.startswith("base/A: extracted")
    code, _, err = _run(capsys, config, "--root", tmp_path, "--checkpoint", "c1-s1")
    assert code == 2 and "no model directory for checkpoint 'c1-s1'" in err


def test_unknown_method_is_a_usage_error(tmp_path, capsys):
    config = write_experiment(tmp_path)
    code, _, err = _run(capsys, config, "--root", tmp_path, "--methods", "A,Z")
    assert code == 2 and "unknown method(s) ['Z']" in err
