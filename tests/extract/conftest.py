"""Fixtures of the extract tests: tiny random Qwen2 models and small experiment configs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

pytest.importorskip("torch")
pytest.importorskip("transformers")

PERSONAS = {
    "pirate": "You are a pirate.",
    "nurse": "You are a careful nurse.",
    "poet": "You are a poet who loves rain.",
}
QUESTIONS = ["Why is the sky blue?", "How do bees fly?", "What is bread?",
             "Why is the sky blue?", "Name a tree?"]
"""Question 3 repeats question 0 (duplicate reporting)."""


def tiny_spec(**overrides) -> dict:
    from personageo.modeling import tiny_qwen2_config

    return {"name": "tiny-qwen2", "random_init": tiny_qwen2_config(**overrides)}


@pytest.fixture(scope="session")
def tiny_model():
    """A 4-block random Qwen2 (hidden 64) with the byte-level ChatML tokenizer, float32."""
    from personageo.modeling import load_model_and_tokenizer

    return load_model_and_tokenizer(tiny_spec(), dtype="float32", device="cpu")


def write_experiment(root: Path, *, methods=None, layers=(0, 2, 3), extract=None,
                     personas=None, questions=None, **extra) -> Path:
    """Write personas, questions and a config under ``root``; returns the config path."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "personas.json").write_text(json.dumps(personas or PERSONAS), encoding="utf-8")
    qs = questions or QUESTIONS
    (root / "questions.jsonl").write_text(
        "".join(json.dumps({"id": i, "question": q}) + "\n" for i, q in enumerate(qs)),
        encoding="utf-8")
    cfg = {
        "experiment": {"id": "extract_test"},
        "model": tiny_spec(),
        "personas": "personas.json",
        "questions": "questions.jsonl",
        "layers": list(layers),
        "methods": methods or [{"id": "A", "token_rule": "last_prompt_token"}],
        "conditions": [],
        "extract": {"dtype": "float32", "device": "cpu", "batch_size": 4,
                    "max_new_tokens": 6, **(extract or {})},
        **extra,
    }
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path
