"""The hand-written corpus (tests/lint/corpus/): bodies, their case files, their checkers.

A case file names its body, the results files it reports (``@reference/...`` through the
``reference_dir`` fixture, ``@repo/...`` in this repository) and the expected outcome of every
number: ``[line, col, text, outcome]`` with outcome ``verified``, ``contradicted``, ``unbound``
or ``ignored`` (no claim at all: versions, dates, issue numbers, labels, the setup card), and an
optional fifth field ``no-quantity`` for a number whose context names no quantity (it may verify
against one of its readings, but it states nothing specific: outside the recall population).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from personageo.lint.numbers import NumberChecker
from personageo.schema import load_run_result

CORPUS = Path(__file__).resolve().parent / "corpus"
REPO = Path(__file__).resolve().parents[2]
OUTCOMES = {"verified", "contradicted", "unbound", "ignored"}


@dataclass(frozen=True)
class Expected:
    line: int
    col: int
    text: str
    outcome: str
    scope: str = ""


@dataclass
class Case:
    name: str
    body: str
    results: tuple[str, ...]
    numbers: list[Expected]


def case_names() -> list[str]:
    return sorted(p.stem for p in CORPUS.glob("*.yaml"))


def load_case(name: str) -> Case:
    data = yaml.safe_load((CORPUS / f"{name}.yaml").read_text(encoding="utf-8"))
    numbers = [Expected(*row) for row in data["numbers"]]
    bad = [n for n in numbers if n.outcome not in OUTCOMES or n.scope not in ("", "no-quantity")]
    assert not bad, f"{name}: unknown outcomes {bad}"
    body = (CORPUS / data["body"]).read_text(encoding="utf-8")
    return Case(name, body, tuple(data["results"]), numbers)


def resolve(ref: str, reference_dir: Path) -> Path:
    if ref.startswith("@reference/"):
        return reference_dir / ref.removeprefix("@reference/")
    if ref.startswith("@repo/"):
        return REPO / ref.removeprefix("@repo/")
    raise ValueError(f"results reference {ref!r}: expected @reference/... or @repo/...")


@cache
def checker(results: tuple[str, ...], reference_dir: Path) -> NumberChecker:
    paths = [resolve(r, reference_dir) for r in results]
    return NumberChecker([(str(p), load_run_result(p)) for p in paths])
