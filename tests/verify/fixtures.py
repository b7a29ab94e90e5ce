"""Hand-made schema-v1 runs for verify tests: a fully consistent run and its baseline.

Every number is chosen so it can be checked by hand: n_perm = 999 and b = 0, 9, 99 give
p = 0.001, 0.01, 0.1; BH over three p-values gives 0.003, 0.015, 0.1 (significant at 0.05:
True, True, False); ratios 2.0, 1.8 and 1.0 give 2 high votes of 3 -> H3 with min_votes 2.
"""

from __future__ import annotations

import copy

from personageo.schema import RunResult

BASE = {1: 0.5, 2: 0.25, 3: 0.125}
POST = {1: 0.75, 2: 0.5, 3: 0.25}          # deltas 0.25, 0.25, 0.125 (exact in binary)
LORA = {1: 0.125, 2: 0.138888888888888888, 3: 0.125}
P = {1: (0, 0.001, 0.003, True), 2: (9, 0.01, 0.015, True), 3: (99, 0.1, 0.1, False)}


def _design(personas=("a", "b", "c")) -> dict:
    return {
        "base_model": "tiny", "personas": [{"name": n} for n in personas],
        "questions": {"count": 3, "distinct_count": 3}, "layers": [1, 2, 3],
        "layer_convention": "block_output_0idx",
        "methods": [{"id": "A", "token_rule": "last_prompt_token"}],
        "conditions": [{"id": "full", "training": {"method": "full", "lr": 2e-5},
                        "data": {"data_type": "em"}}],
        "checkpoints": [{"id": "base"}, {"id": "full", "condition": "full", "seed": 1}],
    }


def _provenance() -> dict:
    return {"produced_by": "hand", "git_commit": "abc", "python": "3.11", "cuda": "12.4",
            "hardware": {"gpus": ["H100"]},
            "packages": {p: "1.0" for p in ("torch", "transformers", "deepspeed", "peft",
                                            "vllm")}}


def _measurements(ckpt: str, values: dict) -> list[dict]:
    return [{"id": f"{ckpt}/A/L{layer}/M1", "checkpoint": ckpt, "method": "A", "layer": layer,
             "metric": "M1", "value": v} for layer, v in values.items()]


def _cell(cid: str, layer: int, post: str, delta: float) -> dict:
    b, p, p_adj, sig = P[layer]
    return {"id": cid, "condition": "full", "method": "A", "layer": layer, "metric": "M1",
            "base": f"base/A/L{layer}/M1", "post": f"{post}/A/L{layer}/M1", "delta": delta,
            "test": {"kind": "question", "alternative": "greater", "n_perm": 999, "seed": 1,
                     "b": b, "p": p, "p_convention": "plus_one"},
            "p_adjusted": p_adj, "family": "F", "significant": sig}


def clean_dict() -> dict:
    cells = [_cell(f"c{layer}", layer, "full", POST[layer] - BASE[layer]) for layer in BASE]
    comparisons = []
    for layer in BASE:
        delta = POST[layer] - BASE[layer]
        comparisons.append({
            "id": f"x{layer}", "cell": f"c{layer}", "delta": delta,
            "baseline_delta": LORA[layer], "ratio": delta / LORA[layer],
            "baseline": {"source": "issue_9", "cell": f"lora{layer}",
                         "base_measurement": f"base/A/L{layer}/M1",
                         "base_value": BASE[layer]}})
    return {
        "schema_version": "1.0", "experiment": {"id": "tiny", "issue": 8},
        "provenance": _provenance(), "design": _design(),
        "measurements": _measurements("base", BASE) + _measurements("full", POST),
        "families": [{"id": "F", "correction": "bh", "alpha": 0.05, "reject_rule": "le",
                      "members": ["c1", "c2", "c3"]}],
        "cells": cells, "comparisons": comparisons,
        "verdicts": [{"id": "v", "method": "A", "group": "em",
                      "rule": {"low": 0.5, "high": 1.5, "min_votes": 2},
                      "comparisons": ["x1", "x2", "x3"], "votes_low": 0, "votes_high": 2,
                      "result": "H3"}],
    }


def baseline_dict() -> dict:
    """The run the baseline deltas come from (issue 9): same base values, LoRA posts."""
    d = clean_dict()
    post = {layer: BASE[layer] + LORA[layer] for layer in BASE}
    d["experiment"] = {"id": "lora", "issue": 9}
    d["design"]["conditions"][0]["training"]["method"] = "lora"
    d["measurements"] = _measurements("base", BASE) + _measurements("full", post)
    d["cells"] = [_cell(f"lora{layer}", layer, "full", post[layer] - BASE[layer])
                  for layer in BASE]
    d["families"][0]["members"] = ["lora1", "lora2", "lora3"]
    d["comparisons"], d["verdicts"] = [], []
    return d


def run_of(d: dict) -> RunResult:
    return RunResult.model_validate(copy.deepcopy(d))
