"""The one way tests build schema-v1 run results: :class:`RunBuilder` and its presets.

A test names what it needs (conditions, measurements, tested cells, comparisons, verdicts);
the builder writes what follows from it the one way the schema defines, so every hand-made
run is consistent by construction:

* a cell's method, layer, metric and condition come from its post measurement, its
  ``delta = post - base``;
* a permutation test's ``p = (b + 1) / (n_perm + 1)`` (the plus-one convention);
* a family's members are the cells that name it, in order;
* a comparison's ``delta`` is its cell's and ``ratio = delta / baseline_delta``;
* a verdict's votes count its comparisons' ratios below ``rule.low`` / above ``rule.high``,
  and its result follows ``rule.min_votes`` (H1, H3, else H2) unless given by hand.

Adjusted p-values and significance are typed by hand in each preset (never computed by the
code under test). :func:`with_post` changes one post value and everything that follows.

Presets (each a plain dict; ``RunResult.model_validate`` makes the model):

* :func:`tiny` -- one condition, two methods, one layer (schema tests);
* :func:`toy` -- two full-parameter conditions vs a LoRA baseline, two layers, samples
  (renderer, ``report update``, fuzz, CLI tests);
* :func:`two_lrs` -- one method at two learning rates, weight norms (number-checker tests);
* :func:`hand_checked` / :func:`hand_checked_baseline` -- three layers whose every number can
  be checked by hand (verify tests).
"""

from __future__ import annotations

import copy
from typing import Any

from personageo.schema import RunResult, parse_run_result


def _put(d: dict, **kw) -> dict:
    """``d`` with the keys of ``kw`` whose value is not None (in order)."""
    d.update({k: v for k, v in kw.items() if v is not None})
    return d


def perm_test(kind: str, b: int, n_perm: int = 999, *, alternative: str | None = None,
              seed: int | None = None) -> dict:
    """A permutation test record with the plus-one p-value ``(b + 1) / (n_perm + 1)``."""
    return _put({"kind": kind}, alternative=alternative, n_perm=n_perm, seed=seed) | {
        "b": b, "p": (b + 1) / (n_perm + 1), "p_convention": "plus_one"}


def verdict_result(votes_low: int, votes_high: int, rule: dict) -> str:
    need = rule.get("min_votes", 3)
    return "H1" if votes_low >= need else "H3" if votes_high >= need else "H2"


def _count_votes(verdict: dict, ratios: dict[str, float]) -> None:
    rule = verdict["rule"]
    rs = [ratios[c] for c in verdict["comparisons"]]
    verdict["votes_low"] = sum(r < rule.get("low", 0.5) for r in rs)
    verdict["votes_high"] = sum(r > rule.get("high", 1.5) for r in rs)
    verdict["result"] = verdict_result(verdict["votes_low"], verdict["votes_high"], rule)


class RunBuilder:
    """Builds one consistent run result, step by step (each method returns the builder)."""

    def __init__(self, experiment: dict, provenance: dict, *, base_model: str,
                 personas: list[str], layers: list[int], methods: dict[str, str],
                 questions: dict | None = None, schema_version: str = "1.0") -> None:
        self.doc: dict[str, Any] = {
            "schema_version": schema_version, "experiment": experiment,
            "provenance": provenance,
            "design": _put({"base_model": base_model,
                            "personas": [{"name": n} for n in personas]}, questions=questions)
            | {"layers": layers, "layer_convention": "block_output_0idx",
               "methods": [{"id": m, "token_rule": r} for m, r in methods.items()],
               "conditions": [], "checkpoints": []},
            "measurements": [], "families": [], "cells": [], "comparisons": []}

    # ------------------------------------------------------------------ design
    def condition(self, cid: str, method: str, lr: float, data_type: str, *,
                  steps: int | None = None, seeds: list[int] | None = None,
                  data_name: str | None = None, n_examples: int | None = None,
                  source: str | None = None) -> RunBuilder:
        self.doc["design"]["conditions"].append(_put(
            {"id": cid, "training": _put({"method": method, "lr": lr}, steps=steps, seeds=seeds),
             "data": _put({"data_type": data_type}, name=data_name, n_examples=n_examples)},
            source=source))
        return self

    def checkpoint(self, cid: str, condition: str | None = None,
                   seed: int | None = None) -> RunBuilder:
        self.doc["design"]["checkpoints"].append(_put({"id": cid}, condition=condition,
                                                      seed=seed))
        return self

    # ------------------------------------------------------------------ numbers
    def measure(self, mid: str, checkpoint: str, method: str, layer: int, value: float, *,
                metric: str = "M1", n_pairs: int | None = None) -> RunBuilder:
        self.doc["measurements"].append(_put(
            {"id": mid, "checkpoint": checkpoint, "method": method, "layer": layer,
             "metric": metric, "value": value}, n_pairs=n_pairs))
        return self

    def cell(self, cid: str, base: str, post: str, test: dict, *, p_adjusted: float,
             significant: bool, family: str) -> RunBuilder:
        m = {x["id"]: x for x in self.doc["measurements"]}
        ck = {x["id"]: x for x in self.doc["design"]["checkpoints"]}
        p = m[post]
        self.doc["cells"].append({
            "id": cid, "condition": ck[p["checkpoint"]]["condition"], "method": p["method"],
            "layer": p["layer"], "metric": p["metric"], "base": base, "post": post,
            "delta": p["value"] - m[base]["value"], "test": test, "p_adjusted": p_adjusted,
            "family": family, "significant": significant})
        return self

    def family(self, fid: str, alpha: float, *, correction: str = "bh",
               reject_rule: str | None = None) -> RunBuilder:
        """A family; its members are the cells naming it (filled in by :meth:`dict`)."""
        self.doc["families"].append(_put({"id": fid, "correction": correction, "alpha": alpha},
                                         reject_rule=reject_rule) | {"members": []})
        return self

    def compare(self, xid: str, cell: str, baseline_delta: float, baseline: dict) -> RunBuilder:
        delta = next(c["delta"] for c in self.doc["cells"] if c["id"] == cell)
        self.doc["comparisons"].append({
            "id": xid, "cell": cell, "delta": delta, "baseline_delta": baseline_delta,
            "ratio": delta / baseline_delta, "baseline": baseline})
        return self

    def verdict(self, vid: str, method: str, group: str, comparisons: list[str], rule: dict,
                **by_hand) -> RunBuilder:
        """A verdict; votes and result are counted unless given by hand (``votes_low``,
        ``votes_high``, ``result``)."""
        v = {"id": vid, "method": method, "group": group, "rule": rule,
             "comparisons": comparisons}
        _count_votes(v, {c["id"]: c["ratio"] for c in self.doc["comparisons"]})
        v.update(by_hand)
        self.doc.setdefault("verdicts", []).append(v)
        return self

    def weight_norm(self, checkpoint: str, global_l2: float, per_block: dict) -> RunBuilder:
        self.doc.setdefault("weight_norms", []).append(
            {"checkpoint": checkpoint, "global_l2": global_l2, "per_block": per_block})
        return self

    def samples(self, samples: list[dict]) -> RunBuilder:
        self.doc["samples"] = samples
        return self

    # ------------------------------------------------------------------ out
    def dict(self) -> dict:
        """The run as a JSON-ready dict (validated: a builder never hands out an invalid run)."""
        doc = copy.deepcopy(self.doc)
        for fam in doc["families"]:
            fam["members"] = [c["id"] for c in doc["cells"] if c["family"] == fam["id"]]
        parse_run_result(copy.deepcopy(doc))
        return doc

    def run(self) -> RunResult:
        return RunResult.model_validate(self.dict())


def with_post(doc: dict, measurement: str, value: float) -> dict:
    """Change one post-train value and everything that follows from it (cell delta, comparison
    delta and ratio, verdict votes and result), keeping the file valid; returns ``doc``."""
    meas = {m["id"]: m for m in doc["measurements"]}
    meas[measurement]["value"] = value
    changed = set()
    for cell in (c for c in doc["cells"] if c["post"] == measurement):
        cell["delta"] = value - meas[cell["base"]]["value"]
        for cmp in (x for x in doc["comparisons"] if x["cell"] == cell["id"]):
            cmp["delta"] = cell["delta"]
            cmp["ratio"] = cmp["delta"] / cmp["baseline_delta"]
            changed.add(cmp["id"])
    ratios = {c["id"]: c["ratio"] for c in doc["comparisons"]}
    for v in doc.get("verdicts", []):
        if changed & set(v["comparisons"]):
            _count_votes(v, ratios)
    parse_run_result(copy.deepcopy(doc))
    return doc


def as_run(doc: dict) -> RunResult:
    """The model of a (possibly changed) preset dict; ``doc`` itself is left alone."""
    return RunResult.model_validate(copy.deepcopy(doc))


# ============================================================================ presets
def tiny() -> dict:
    """One condition (``full``, seed 1), methods A and B at layer 1, one family F of two
    question-permutation cells (cA significant, cB not) and one comparison (xA)."""
    b = RunBuilder({"id": "tiny", "issue": 7, "title": "Tiny"}, {"produced_by": "hand"},
                   base_model="tiny-model", personas=["a", "b", "c"], layers=[1],
                   methods={"A": "last_prompt_token", "B": "mean_answer_tokens"},
                   questions={"count": 4, "distinct_count": 4}, schema_version="1.1")
    b.condition("full", "full", 2e-5, "em").checkpoint("base").checkpoint("full-s1", "full", 1)
    for method, base, post in (("A", 0.80, 0.95), ("B", 0.90, 0.93)):  # delta 0.15, ~0.03
        b.measure(f"base/{method}", "base", method, 1, base)
        b.measure(f"post/{method}", "full-s1", method, 1, post)
    b.family("F", 0.05)
    b.cell("cA", "base/A", "post/A", perm_test("question", 0, 99, alternative="two-sided"),
           p_adjusted=0.02, significant=True, family="F")
    b.cell("cB", "base/B", "post/B", perm_test("question", 29, 99, alternative="two-sided"),
           p_adjusted=0.3, significant=False, family="F")
    b.compare("xA", "cA", 0.1, {"source": "issue_1", "cell": "lora_A"})
    return b.dict()


TOY_LAYERS = [7, 20]
TOY_CONDITIONS = [("full_em_lr2e5", "em", 2e-05), ("full_benign_lr2e5", "benign", 2e-05)]
TOY_BASE = {7: 0.98, 20: 0.875}
TOY_POST = {("full_em_lr2e5", 7): 0.995, ("full_em_lr2e5", 20): 0.9975,
            ("full_benign_lr2e5", 7): 0.99, ("full_benign_lr2e5", 20): 0.99}
TOY_DATA = {"em": "data/bad_legal_advice_6k.jsonl", "benign": "allenai/tulu-3-sft-mixture"}
TOY_LORA = {("em", 7): 0.0075, ("em", 20): 0.09375, ("benign", 7): 0.005,
            ("benign", 20): 0.0625}


def toy(samples: bool = True) -> dict:
    """Two full-parameter conditions x Method A x layers 7 and 20 against a LoRA baseline
    (issue 205); measurement ids ``<checkpoint>/A/L<layer>``, verdicts with min_votes 2."""
    b = RunBuilder(
        {"id": "toy", "issue": 7, "title": "Toy full-param vs LoRA",
         "source_issues": [{"number": 205, "role": "LoRA baseline deltas"},
                           {"number": 237, "role": "motivating claim"}]},
        {"produced_by": "tests", "git_commit": "0123456789abcdef"},
        base_model="toy/base-model", personas=["villain", "teacher", "librarian", "assistant"],
        layers=TOY_LAYERS, methods={"A": "last_prompt_token"})
    for cid, group, lr in TOY_CONDITIONS:
        b.condition(cid, "full", lr, group, steps=375, data_name=TOY_DATA[group])
    for group in ("em", "benign"):
        b.condition(f"lora_{group}", "lora", 1e-4, group, source="issue_205")
    b.checkpoint("base")
    for cid, _, _ in TOY_CONDITIONS:
        b.checkpoint(cid, cid, 42)
    for layer in TOY_LAYERS:
        b.measure(f"base/A/L{layer}", "base", "A", layer, TOY_BASE[layer], n_pairs=6)
    b.family("fam", 0.01)
    for cid, group, _ in TOY_CONDITIONS:
        for layer in TOY_LAYERS:
            b.measure(f"{cid}/A/L{layer}", cid, "A", layer, TOY_POST[cid, layer], n_pairs=6)
            b.cell(f"M1_A_L{layer}_{cid}", f"base/A/L{layer}", f"{cid}/A/L{layer}",
                   perm_test("persona", 0, alternative="greater"), p_adjusted=0.001,
                   significant=True, family="fam")
            b.compare(f"cmp_A_L{layer}_{cid}", f"M1_A_L{layer}_{cid}", TOY_LORA[group, layer],
                      {"source": "issue_205", "condition": f"lora_{group}"})
    for cid, group, _ in TOY_CONDITIONS:
        b.verdict(f"verdict_A_{group}", "A", group,
                  [f"cmp_A_L{layer}_{cid}" for layer in TOY_LAYERS], {"min_votes": 2},
                  result="H2")  # typed by hand (benign: 2 high votes of 2 would say H3)
    for i, (cid, _, _) in enumerate(TOY_CONDITIONS):
        b.weight_norm(cid, 19.5 + i, {str(L): 3.0 + i + L / 100 for L in TOY_LAYERS})
    if samples:
        b.samples([{"checkpoint": c, "method": "A", "persona": p, "question": f"Question {q}?",
                    "answer": f"Answer of {p} after {c}.", "question_id": q}
                   for c, _, _ in TOY_CONDITIONS for p in ("villain", "teacher") for q in (2, 1)])
    return b.dict()


LRS_BASE = {7: 0.9000, 20: 0.8000}
LRS_POST = {"full_em_lr2e5": {7: 0.9150, 20: 0.9100},
            "full_em_lr1e4": {7: 0.9160, 20: 0.9120}}
LRS_LORA = {7: 0.0100, 20: 0.1000}  # baseline deltas
LRS_NORMS = {"full_em_lr2e5": (20.0, {7: 3.0, 20: 3.5}),
             "full_em_lr1e4": (100.0, {7: 15.0, 20: 17.5})}


def two_lrs() -> dict:
    """Method A at learning rates 2e-5 and 1e-4 (layers 7 and 20), weight norms, one verdict
    over the 2e-5 comparisons (votes typed by hand: 0 and 0, H2)."""
    b = RunBuilder({"id": "toy"}, {"produced_by": "test"}, base_model="toy",
                   personas=[f"p{i}" for i in range(4)], layers=[7, 20],
                   methods={"A": "last_prompt_token"})
    for cid, lr in (("full_em_lr2e5", 2e-5), ("full_em_lr1e4", 1e-4)):
        b.condition(cid, "full", lr, "em", steps=375, seeds=[42], n_examples=6000)
    b.checkpoint("base")
    for cid in LRS_POST:
        b.checkpoint(cid, cid)
    for layer, v in LRS_BASE.items():
        b.measure(f"base_A_L{layer}", "base", "A", layer, v, n_pairs=6)
    b.family("fam", 0.01)
    for cid, posts in LRS_POST.items():
        for layer, v in posts.items():
            b.measure(f"{cid}_A_L{layer}", cid, "A", layer, v, n_pairs=6)
            b.cell(f"M1_A_L{layer}_{cid}", f"base_A_L{layer}", f"{cid}_A_L{layer}",
                   perm_test("pair_signflip", 0), p_adjusted=0.001, significant=True,
                   family="fam")
            b.compare(f"cmp_A_L{layer}_{cid}", f"M1_A_L{layer}_{cid}", LRS_LORA[layer],
                      {"source": "issue_205"})
    b.verdict("verdict_A_em", "A", "em", [f"cmp_A_L{layer}_full_em_lr2e5" for layer in (7, 20)],
              {}, votes_low=0, votes_high=0, result="H2")
    for cid, (g, per_block) in LRS_NORMS.items():
        b.weight_norm(cid, g, per_block)
    return b.dict()


HC_BASE = {1: 0.5, 2: 0.25, 3: 0.125}
HC_POST = {1: 0.75, 2: 0.5, 3: 0.25}          # deltas 0.25, 0.25, 0.125 (exact in binary)
HC_LORA = {1: 0.125, 2: 0.138888888888888888, 3: 0.125}
HC_P = {1: (0, 0.003, True), 2: (9, 0.015, True), 3: (99, 0.1, False)}  # b, p_adjusted, sig


def _hand_checked(experiment: dict, method: str, posts: dict, cell_prefix: str) -> RunBuilder:
    b = RunBuilder(experiment, {
        "produced_by": "hand", "git_commit": "abc", "python": "3.11", "cuda": "12.4",
        "hardware": {"gpus": ["H100"]},
        "packages": {p: "1.0" for p in ("torch", "transformers", "deepspeed", "peft", "vllm")}},
        base_model="tiny", personas=["a", "b", "c"], layers=[1, 2, 3],
        methods={"A": "last_prompt_token"}, questions={"count": 3, "distinct_count": 3})
    b.condition("full", method, 2e-5, "em").checkpoint("base").checkpoint("full", "full", 1)
    for ckpt, values in (("base", HC_BASE), ("full", posts)):
        for layer, v in values.items():
            b.measure(f"{ckpt}/A/L{layer}/M1", ckpt, "A", layer, v)
    b.family("F", 0.05, reject_rule="le")
    for layer, (n_b, p_adj, sig) in HC_P.items():
        b.cell(f"{cell_prefix}{layer}", f"base/A/L{layer}/M1", f"full/A/L{layer}/M1",
               perm_test("question", n_b, alternative="greater", seed=1), p_adjusted=p_adj,
               significant=sig, family="F")
    return b


def hand_checked() -> dict:
    """Every number checkable by hand: n_perm = 999 and b = 0, 9, 99 give p = 0.001, 0.01,
    0.1; BH over the three gives 0.003, 0.015, 0.1 (significant at 0.05: True, True, False);
    ratios 2.0, 1.8 and 1.0 give 2 high votes of 3 -> H3 with min_votes 2."""
    b = _hand_checked({"id": "tiny", "issue": 8}, "full", HC_POST, "c")
    for layer in HC_BASE:
        b.compare(f"x{layer}", f"c{layer}", HC_LORA[layer],
                  {"source": "issue_9", "cell": f"lora{layer}",
                   "base_measurement": f"base/A/L{layer}/M1", "base_value": HC_BASE[layer]})
    b.verdict("v", "A", "em", ["x1", "x2", "x3"], {"low": 0.5, "high": 1.5, "min_votes": 2})
    return b.dict()


def hand_checked_baseline() -> dict:
    """The run :func:`hand_checked`'s baseline deltas come from (issue 9): same base values,
    LoRA posts ``base + HC_LORA``; no comparisons, no verdicts."""
    post = {layer: HC_BASE[layer] + HC_LORA[layer] for layer in HC_BASE}
    doc = _hand_checked({"id": "lora", "issue": 9}, "lora", post, "lora").dict()
    doc["verdicts"] = []
    return doc
