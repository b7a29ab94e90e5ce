"""Shared helpers of the ``report update`` tests: a research-repo layout and the tracker's
normalisation of a body (the toy results and their changes: ``tests.builders``)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.report.conftest import FAKE_SHA

__all__ = ["FAKE_SHA", "tracker_roundtrip", "write_results"]


def write_results(root: Path, doc: dict, issue: int = 7) -> Path:
    target = root / "eval_results" / f"issue_{issue}" / "run_result.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return target


def tracker_roundtrip(text: str) -> str:
    """What a body looks like after the tracker: CRLF line endings, trailing spaces gone."""
    return "\r\n".join(line.rstrip() for line in text.split("\n"))
