"""Fixtures for the renderer tests: a hand-made schema-v1 run and a research-repo layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from personageo.schema import parse_run_result

REPO = Path(__file__).resolve().parents[2]
from tests.reference import R205, R238, REFERENCE  # noqa: E402

PUBLISHED = REFERENCE / "issue_238" / "published_writeup.txt"
NARRATIVE_238 = Path(__file__).parent / "data" / "issue_238.narrative.md"
FAKE_SHA = "189a247" + "0" * 33

needs_reference = pytest.mark.skipif(
    not (R238.is_file() and R205.is_file() and PUBLISHED.is_file()),
    reason="../shared/reference is not available")

LAYERS = [7, 20]
CONDITIONS = [("full_em_lr2e5", "em", 2e-05), ("full_benign_lr2e5", "benign", 2e-05)]
BASE = {7: 0.98, 20: 0.875}
POST = {("full_em_lr2e5", 7): 0.995, ("full_em_lr2e5", 20): 0.9975,
        ("full_benign_lr2e5", 7): 0.99, ("full_benign_lr2e5", 20): 0.99}
DATA_NAMES = {"em": "data/bad_legal_advice_6k.jsonl", "benign": "allenai/tulu-3-sft-mixture"}
LORA = {("em", 7): 0.0075, ("em", 20): 0.09375, ("benign", 7): 0.005, ("benign", 20): 0.0625}


def toy_run_dict(samples: bool = True) -> dict:
    """Two full-parameter conditions x one method x two layers against a LoRA baseline."""
    measurements = [{"id": f"base/A/L{L}", "checkpoint": "base", "method": "A", "layer": L,
                     "metric": "M1", "value": BASE[L], "n_pairs": 6} for L in LAYERS]
    cells, comparisons = [], []
    for cid, group, _lr in CONDITIONS:
        for L in LAYERS:
            mid = f"{cid}/A/L{L}"
            measurements.append({"id": mid, "checkpoint": cid, "method": "A", "layer": L,
                                 "metric": "M1", "value": POST[cid, L], "n_pairs": 6})
            delta = POST[cid, L] - BASE[L]
            cells.append({
                "id": f"M1_A_L{L}_{cid}", "condition": cid, "method": "A", "layer": L,
                "metric": "M1", "base": f"base/A/L{L}", "post": mid, "delta": delta,
                "test": {"kind": "persona", "alternative": "greater", "n_perm": 999, "b": 0,
                         "p": 0.001, "p_convention": "plus_one"},
                "p_adjusted": 0.001, "family": "fam", "significant": True})
            lora = LORA[group, L]
            comparisons.append({
                "id": f"cmp_A_L{L}_{cid}", "cell": f"M1_A_L{L}_{cid}", "delta": delta,
                "baseline_delta": lora, "ratio": delta / lora,
                "baseline": {"source": "issue_205", "condition": f"lora_{group}"}})
    verdicts = []
    for group in ("em", "benign"):
        cid = next(c for c, g, _ in CONDITIONS if g == group)
        ratios = [c["ratio"] for c in comparisons if c["cell"].endswith(cid)]
        verdicts.append({
            "id": f"verdict_A_{group}", "method": "A", "group": group,
            "rule": {"min_votes": 2},
            "comparisons": [c["id"] for c in comparisons if c["cell"].endswith(cid)],
            "votes_low": sum(r < 0.5 for r in ratios), "votes_high": sum(r > 1.5 for r in ratios),
            "result": "H2"})
    doc = {
        "schema_version": "1.0",
        "experiment": {"id": "toy", "issue": 7, "title": "Toy full-param vs LoRA",
                       "source_issues": [{"number": 205, "role": "LoRA baseline deltas"},
                                         {"number": 237, "role": "motivating claim"}]},
        "provenance": {"produced_by": "tests", "git_commit": "0123456789abcdef"},
        "design": {
            "base_model": "toy/base-model",
            "personas": [{"name": n} for n in ("villain", "teacher", "librarian", "assistant")],
            "layers": LAYERS, "layer_convention": "block_output_0idx",
            "methods": [{"id": "A", "token_rule": "last_prompt_token"}],
            "conditions": [{"id": c, "training": {"method": "full", "lr": lr, "steps": 375},
                            "data": {"data_type": g, "name": DATA_NAMES[g]}}
                           for c, g, lr in CONDITIONS]
            + [{"id": f"lora_{g}", "training": {"method": "lora", "lr": 1e-4},
                "data": {"data_type": g}, "source": "issue_205"} for g in ("em", "benign")],
            "checkpoints": [{"id": "base"}] + [{"id": c, "condition": c, "seed": 42}
                                               for c, _, _ in CONDITIONS]},
        "measurements": measurements,
        "families": [{"id": "fam", "correction": "bh", "alpha": 0.01,
                      "members": [c["id"] for c in cells]}],
        "cells": cells, "comparisons": comparisons, "verdicts": verdicts,
        "weight_norms": [{"checkpoint": c, "global_l2": 19.5 + i,
                          "per_block": {str(L): 3.0 + i + L / 100 for L in LAYERS}}
                         for i, (c, _, _) in enumerate(CONDITIONS)],
    }
    if samples:
        doc["samples"] = [
            {"checkpoint": c, "method": "A", "persona": p, "question": f"Question {q}?",
             "answer": f"Answer of {p} after {c}.", "question_id": q}
            for c, _, _ in CONDITIONS for p in ("villain", "teacher") for q in (2, 1)]
    parse_run_result(doc)  # the fixture itself must be a valid v1 file
    return doc


@pytest.fixture
def toy_root(tmp_path) -> Path:
    """A research repo layout with eval_results/issue_7/run_result.json."""
    target = tmp_path / "eval_results" / "issue_7" / "run_result.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(toy_run_dict(), indent=2), encoding="utf-8")
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (to show that nothing was written)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def render_238(root: Path, **kw):
    from personageo.report import PublishTarget, render

    opts = dict(issue=238, root=root, results=R238, baseline=R205, narrative=NARRATIVE_238,
                repo="acme/research", commit=FAKE_SHA)
    opts.update(kw)
    return render(PublishTarget(**opts))


@pytest.fixture(scope="session")
def rendered_238(tmp_path_factory):
    """Issue 238 rendered in memory (legacy import + issue 205 as baseline + narrative)."""
    if not (R238.is_file() and R205.is_file()):
        pytest.skip("../shared/reference is not available")
    return render_238(tmp_path_factory.mktemp("root238"))
