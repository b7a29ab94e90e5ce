"""Synthetic activation stores + a config for analysis tests (no model needed).

Post-training vectors are pulled toward a shared direction by ``pull`` so that M1 rises by a
controlled amount; everything is seeded.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import yaml

from personageo.activations import ActivationManifest, PersonaEntry, store_dir, write_activations
from personageo.config import load_config
from personageo.files import sha256_text

PERSONAS = {f"p{i}": f"You are persona number {i}." for i in range(5)}
N_Q, DIM, LAYERS = 8, 6, [0, 2]


def write_inputs(root: Path) -> None:
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data/personas.json").write_text(json.dumps(PERSONAS))
    (root / "data/questions.jsonl").write_text(
        "".join(json.dumps({"id": i, "question": f"Question {i}?"}) + "\n" for i in range(N_Q)))


def vectors_for(pull: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    persona_dirs = rng.normal(size=(len(PERSONAS), 1, len(LAYERS), DIM))
    noise = rng.normal(scale=0.3, size=(len(PERSONAS), N_Q, len(LAYERS), DIM))
    shared = np.ones(DIM)
    return (persona_dirs + noise + pull * shared).astype(np.float32)


def write_store(root: Path, checkpoint: str, method: str, vectors: np.ndarray,
                device: str | None = None) -> None:
    manifest = ActivationManifest(
        checkpoint=checkpoint, method=method,
        token_rule="last_prompt_token" if method == "A" else "mean_answer_tokens",
        layers=LAYERS, layer_convention="block_output_0idx",
        personas=[PersonaEntry(name=n, prompt_sha256=sha256_text(p)) for n, p in PERSONAS.items()],
        question_ids=list(range(N_Q)), questions_sha256="x", dim=DIM,
        model={"device": device} if device else {})
    answers = None
    if method == "B":
        answers = [{"persona": n, "question_id": q, "question": f"Question {q}?",
                    "answer": f"Answer of {n} to {q}."} for n in PERSONAS for q in range(N_Q)]
    write_activations(store_dir(root / "activations", checkpoint, method), vectors, manifest,
                      answers)


CONFIG = {
    "experiment": {"id": "synthetic", "issue": 99, "title": "Synthetic"},
    "model": {"name": "none"},
    "personas": "data/personas.json",
    "questions": "data/questions.jsonl",
    "layers": LAYERS,
    "methods": [{"id": "A", "token_rule": "last_prompt_token"},
                {"id": "B", "token_rule": "mean_answer_tokens"}],
    "conditions": [
        {"id": "lora_em", "role": "baseline",
         "training": {"method": "lora", "lr": 1e-4, "seeds": [1]},
         "data": {"name": "em", "path": "x.jsonl", "data_type": "em"}},
        {"id": "full_em", "baseline": "lora_em",
         "training": {"method": "full", "lr": 2e-5, "seeds": [1, 2]},
         "data": {"name": "em", "path": "x.jsonl", "data_type": "em"}},
    ],
    "analysis": {"n_perm": 199, "alpha": 0.05, "verdict": {"voting_lr": 2e-5}},
}

PULLS = {"base": 0.0, "lora_em-s1": 0.8, "full_em-s1": 1.6, "full_em-s2": 1.5}


def build(root: Path, config: dict | None = None, device: str | None = None):
    write_inputs(root)
    for ck, pull in PULLS.items():
        for method in ("A", "B"):
            # identical persona directions/noise across checkpoints (seed 0): only `pull` differs
            write_store(root, ck, method, vectors_for(pull, seed=0 if method == "A" else 1),
                        device)
    cfg_path = root / "experiment.yaml"
    cfg_path.write_text(yaml.safe_dump(config or CONFIG))
    return load_config(cfg_path), cfg_path
