"""Bindings that travel with the body: the tracker copy (CRLF, trailing spaces stripped) of a
rendered body is checked with only the results, and every wrong edit of a rendered number is
reported at that number.

A deterministic sample of edits (``tests/lint/numbers/mutate.py``: last digit, ×10, sign flip,
another number's text) of the demo body (``reports/issue_1.md`` rendered from the shipped
results) and of the issue-238 body (reference results + 205 baseline). 100 % must be caught.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from personageo.lint.numbers import NumberChecker
from personageo.lint.numbers._inbody import read_in_body
from personageo.schema import load_run_result
from personageo.schema.bindings import strip_keys
from tests.lint.numbers.mutate import KINDS, batches, caught, mutations, tracker_copy
from tests.report.conftest import render_238

pytestmark = pytest.mark.slow  # many full lint runs (mutation campaigns)


REPO = Path(__file__).resolve().parents[3]
DEMO_RESULTS = REPO / "eval_results" / "issue_1" / "run_result.json"


def _render_demo(root: Path):
    from personageo.report import PublishTarget, render

    (root / "reports").mkdir()
    (root / "reports" / "issue_1.narrative.md").write_bytes(
        (REPO / "reports" / "issue_1.narrative.md").read_bytes())
    return render(PublishTarget(issue=1, root=root, results=DEMO_RESULTS, repo="acme/research",
                                commit="189a247" + "0" * 33))


@pytest.fixture(scope="module", params=["demo", "238"])
def case(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"inbody-{request.param}")
    if request.param == "demo":
        rendered = _render_demo(root)
        files = [DEMO_RESULTS]
    else:
        r238, r205 = (request.getfixturevalue(name) for name in ("r238", "r205"))
        rendered = render_238(root, r238, r205)
        files = [r238, r205]
    checker = NumberChecker([(str(p), load_run_result(p)) for p in files])
    return rendered, checker


def _check(checker, body):
    inbody = read_in_body(body)
    return inbody, checker.check(body, sidecar=inbody.sidecar)


def test_tracker_copy_is_checked_number_by_number(case):
    rendered, checker = case
    body = tracker_copy(rendered.body)
    inbody, report = _check(checker, body)
    assert inbody.damaged is None and not inbody.lost
    assert report.findings == []
    by_sidecar = [c for c in report.claims if c.bound_by == "sidecar"]
    # every inline-placed number of the render is checked through its binding
    inline = sum(1 for c in rendered.sidecar.claims if c.line > 3)
    assert len(by_sidecar) >= inline > 150
    # the bindings cost little of GitHub's 65,536-character limit (238: ~25,000 in all)
    assert len(body) - len(strip_keys(body)) < 4000
    table = next(ln for ln in body.split("\r\n") if "personageo:bindings" in ln)
    assert len(table) < 10_000 and len(body) < 32_000
    assert all(c.outcome == "verified" for c in by_sidecar)


def test_every_wrong_edit_of_a_rendered_number_is_contradicted(case):
    rendered, checker = case
    edits = mutations(rendered.body, rendered.sidecar, 200, seed=12)
    assert {m.kind for m in edits} == set(KINDS) and len(edits) >= 190
    missed = []
    for body, chosen in batches(rendered.body, edits):
        _, report = _check(checker, body)
        missed += [(m.kind, m.line, m.old, m.new) for m in chosen if not caught(m, report.findings)]
    assert missed == []


def test_damaged_table_and_removed_number_are_reported(case):
    rendered, checker = case
    lines = rendered.body.split("\n")
    table = next(i for i, ln in enumerate(lines) if "personageo:bindings" in ln)
    damaged = lines.copy()
    damaged[table] = damaged[table].replace("data=eN", "data=eM")
    inbody = read_in_body("\n".join(damaged))
    assert inbody.damaged is not None and inbody.damaged[0] == table + 1
    # a number deleted before its key: reported where it was
    key = next(i for i, ln in enumerate(lines) if "<!--pg:" in ln and i > table + 5)
    k = lines[key].index("<!--pg:")
    start = k
    while start and (lines[key][start - 1].isdigit() or lines[key][start - 1] in ".+-−%×"):
        start -= 1
    removed = lines.copy()
    removed[key] = lines[key][:start] + lines[key][k:]
    inbody = read_in_body("\n".join(removed))
    assert [(ln, col) for ln, col, _ in inbody.lost] == [(key + 1, start + 1)]
