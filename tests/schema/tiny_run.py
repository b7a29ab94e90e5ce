"""A small, hand-made, consistent schema-v1 run result for tests (values typed by hand)."""

from __future__ import annotations

from personageo.schema import RunResult


def tiny_run_dict() -> dict:
    base_a, post_a = 0.80, 0.95  # delta 0.15
    base_b, post_b = 0.90, 0.93  # delta 0.03 (approximately, float arithmetic)
    return {
        "schema_version": "1.1",
        "experiment": {"id": "tiny", "issue": 7, "title": "Tiny"},
        "provenance": {"produced_by": "hand"},
        "design": {
            "base_model": "tiny-model",
            "personas": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
            "questions": {"count": 4, "distinct_count": 4},
            "layers": [1],
            "layer_convention": "block_output_0idx",
            "methods": [{"id": "A", "token_rule": "last_prompt_token"},
                        {"id": "B", "token_rule": "mean_answer_tokens"}],
            "conditions": [{"id": "full", "training": {"method": "full", "lr": 2e-5},
                            "data": {"data_type": "em"}}],
            "checkpoints": [{"id": "base"}, {"id": "full-s1", "condition": "full", "seed": 1}],
        },
        "measurements": [
            {"id": "base/A", "checkpoint": "base", "method": "A", "layer": 1, "metric": "M1",
             "value": base_a},
            {"id": "post/A", "checkpoint": "full-s1", "method": "A", "layer": 1, "metric": "M1",
             "value": post_a},
            {"id": "base/B", "checkpoint": "base", "method": "B", "layer": 1, "metric": "M1",
             "value": base_b},
            {"id": "post/B", "checkpoint": "full-s1", "method": "B", "layer": 1, "metric": "M1",
             "value": post_b},
        ],
        "families": [{"id": "F", "correction": "bh", "alpha": 0.05, "members": ["cA", "cB"]}],
        "cells": [
            {"id": "cA", "condition": "full", "method": "A", "layer": 1, "metric": "M1",
             "base": "base/A", "post": "post/A", "delta": post_a - base_a,
             "test": {"kind": "question", "alternative": "two-sided", "n_perm": 99, "b": 0,
                      "p": 0.01, "p_convention": "plus_one"},
             "p_adjusted": 0.02, "family": "F", "significant": True},
            {"id": "cB", "condition": "full", "method": "B", "layer": 1, "metric": "M1",
             "base": "base/B", "post": "post/B", "delta": post_b - base_b,
             "test": {"kind": "question", "alternative": "two-sided", "n_perm": 99, "b": 29,
                      "p": 0.3, "p_convention": "plus_one"},
             "p_adjusted": 0.3, "family": "F", "significant": False},
        ],
        "comparisons": [
            {"id": "xA", "cell": "cA", "delta": post_a - base_a, "baseline_delta": 0.1,
             "baseline": {"source": "issue_1", "cell": "lora_A"},
             "ratio": (post_a - base_a) / 0.1},
        ],
    }


def tiny_run() -> RunResult:
    return RunResult.model_validate(tiny_run_dict())
