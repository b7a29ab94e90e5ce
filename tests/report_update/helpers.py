"""Shared helpers of the ``report update`` tests: a research-repo layout, a consistent change
of one cell of the toy results, and the tracker's normalisation of a body."""

from __future__ import annotations

import json
from pathlib import Path

from personageo.schema import parse_run_result

FAKE_SHA = "189a247" + "0" * 33


def toy_run() -> dict:
    from tests.report.conftest import toy_run_dict

    return toy_run_dict()


def set_post(doc: dict, condition: str, layer: int, post: float) -> dict:
    """Change one cell's post-train value and everything that follows from it (delta,
    comparison delta and ratio, verdict votes), keeping the file valid."""
    mid = f"{condition}/A/L{layer}"
    meas = {m["id"]: m for m in doc["measurements"]}
    meas[mid]["value"] = post
    cell = next(c for c in doc["cells"] if c["post"] == mid)
    cell["delta"] = post - meas[cell["base"]]["value"]
    cmp = next(c for c in doc["comparisons"] if c["cell"] == cell["id"])
    cmp["delta"] = cell["delta"]
    cmp["ratio"] = cmp["delta"] / cmp["baseline_delta"]
    ratios = {c["id"]: c["ratio"] for c in doc["comparisons"]}
    for v in doc["verdicts"]:
        if cmp["id"] not in v["comparisons"]:
            continue
        rs = [ratios[c] for c in v["comparisons"]]
        v["votes_low"] = sum(r < 0.5 for r in rs)
        v["votes_high"] = sum(r > 1.5 for r in rs)
        v["result"] = "H1" if v["votes_low"] >= v["rule"]["min_votes"] else (
            "H3" if v["votes_high"] >= v["rule"]["min_votes"] else "H2")
    parse_run_result(doc)
    return doc


def write_results(root: Path, doc: dict, issue: int = 7) -> Path:
    target = root / "eval_results" / f"issue_{issue}" / "run_result.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return target


def tracker_roundtrip(text: str) -> str:
    """What a body looks like after the tracker: CRLF line endings, trailing spaces gone."""
    return "\r\n".join(line.rstrip() for line in text.split("\n"))
