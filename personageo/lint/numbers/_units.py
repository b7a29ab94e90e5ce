"""Prose that names what a count is: "the 80-cell family", "66 persona pairs", "5 layers".

An integer followed by one of these units has a specific target in the results (the design's
own counts), so disagreeing with it is a contradiction, not merely an unbound number. Only
units that cannot mean anything else are listed; a count the results do not record (a legacy
file without a question count) gives no target.
"""

from __future__ import annotations

import re

from personageo.schema import RunResult

_UNITS = [
    ("family", re.compile(r"^[\s\-]*cells?\s+(?:bh[\w\-]*\s+)?family\b", re.I)),
    ("n_pairs", re.compile(r"^[\s\-]*(?:persona\s+)?(?:off-diagonal\s+)?(?:pairs|entries)\b",
                           re.I)),
    ("n_personas", re.compile(r"^[\s\-]*(?:eval(?:uation)?\s+)?personas?\b", re.I)),
    ("n_layers", re.compile(r"^[\s\-]*(?:extraction\s+)?layers?\b", re.I)),
    ("n_methods", re.compile(r"^[\s\-]*(?:extraction\s+)?methods?\b", re.I)),
    ("n_questions", re.compile(r"^[\s\-]*(?:extraction\s+)?questions?\b", re.I)),
    ("n_tested", re.compile(r"^[\s\-]*(?:tested|compared|M1)\s+cells?\b", re.I)),
    ("n_cells", re.compile(r"^[\s\-]*cells?\b(?!\s+(?:bh|family))", re.I)),
    ("n_full", re.compile(r"^[\s\-]*full[\s\-]param(?:eter)?(?:\s+SFT)?\s+conditions?\b", re.I)),
    ("n_lora", re.compile(r"^[\s\-]*LoRA(?:\s+SFT)?\s+conditions?\b", re.I)),
    ("n_values", re.compile(r"^[\s\-]*(?:post-train\s+|base\s+)?(?:M1\s+)?(?:values|means)\b",
                            re.I)),
    ("n_samples", re.compile(r"^[\s\-]*(?:recorded\s+)?(?:answers|samples|sample outputs)\b",
                             re.I)),
    ("n_conditions", re.compile(r"^[\s\-]*(?:training\s+)?conditions?\b", re.I)),
]
UNCERTAIN_UNITS = {"n_cells", "n_conditions", "n_full", "n_lora", "n_values", "n_samples"}
"""Units that may count a part of the design ("a 35-cell pilot", "2 conditions")."""
_BEFORE = [("n_perm", re.compile(r"\bn_perm(?:utations)?\s*=\s*$", re.I))]


def unit_targets(run: RunResult) -> dict[str, dict[float, str]]:
    """Unit -> {value: record path or derivation} of one run (only what it records)."""
    d = run.design
    p = len(d.personas)
    out: dict[str, dict[float, str]] = {
        "n_personas": {float(p): "len(/design/personas)"},
        "n_pairs": {float(p * (p - 1) // 2): "P(P-1)/2 of len(/design/personas)"},
        "n_layers": {float(len(d.layers)): "len(/design/layers)"},
        "n_methods": {float(len(d.methods)): "len(/design/methods)"},
        "family": {float(len(f.members)): f"len(/families/{f.id}/members)"
                   for f in run.families},
        "n_perm": {},
    }
    out["n_cells"] = {float(len(run.cells)): "len(/cells)"}
    out["n_tested"] = {float(len(run.cells)): "len(/cells)"}
    if run.comparisons:
        out["n_tested"].setdefault(float(len(run.comparisons)), "len(/comparisons)")
    if run.comparisons:  # comparisons are "ratio cells": both together are cells too
        out["n_cells"].setdefault(float(len(run.comparisons)), "len(/comparisons)")
        out["n_cells"].setdefault(float(len(run.cells) + len(run.comparisons)),
                                  "len(/cells) + len(/comparisons)")
    by_training: dict[str, int] = {}
    for c in d.conditions:
        by_training[c.training.method] = by_training.get(c.training.method, 0) + 1
    out["n_values"] = dict(out["n_tested"])  # "all 20 post-train M1 values"
    for method in ("full", "lora"):
        k = sum(c.condition in {x.id for x in d.conditions if x.training.method == method}
                for c in run.cells)
        if k:
            out["n_values"].setdefault(float(k), f"len(cells with training = {method})")
    if run.samples:
        out["n_samples"] = {float(len(run.samples)): "len(/samples)"}
    out["n_conditions"] = {float(len(d.conditions)): "len(/design/conditions)"}
    for method, k in by_training.items():  # "2 conditions" may count the treated ones only
        out["n_conditions"].setdefault(float(k), f"conditions with training = {method}")
    for method, unit in (("full", "n_full"), ("lora", "n_lora")):
        if method in by_training:
            out[unit] = {float(by_training[method]): f"conditions with training = {method}"}
    for c in run.cells:  # the first cell with each permutation count names it
        out["n_perm"].setdefault(float(c.test.n_perm), f"/cells/{c.id}/test/n_perm")
    if d.questions.count is not None:
        out["n_questions"] = {float(d.questions.count): "/design/questions/count"}
    return {k: v for k, v in out.items() if v}


def unit_of(before: str, after: str) -> str | None:
    """The unit the surrounding prose gives an integer, if any."""
    for name, rx in _BEFORE:
        if rx.search(before):
            return name
    for name, rx in _UNITS:
        if rx.match(after):
            return name
    return None
