"""Acceptance on a body rendered by ``personageo report render`` (issue 238 + its 205 baseline).

* the rendered body: every number verified through the sidecar, no finding at all;
* mutation: each number changed by one unit of its last displayed digit, one at a time, is
  reported as contradicted at its line and column, through the bindings the body carries
  (100 % required).
"""

from __future__ import annotations

import re

import pytest

from personageo.lint.numbers import NumberChecker, kind_of
from personageo.lint.numbers._inbody import read_in_body
from personageo.numfmt import parse_number
from tests.report.conftest import render_238

pytestmark = pytest.mark.slow  # renders a whole write-up first



@pytest.fixture(scope="module")
def rendered(tmp_path_factory, r238, r205):
    from personageo.schema import load_run_result

    r = render_238(tmp_path_factory.mktemp("lint238"), r238, r205)
    checker = NumberChecker([(str(r238), load_run_result(r238)),
                             (str(r205), load_run_result(r205))])
    return r.body, r.sidecar, checker


def test_rendered_body_is_clean(rendered):
    body, sidecar, checker = rendered
    rep = checker.check(body, sidecar=sidecar)
    assert rep.findings == []
    assert rep.count("verified") == len(rep.claims) >= len(sidecar.claims)
    assert rep.notes == []


def _mutations(body, sidecar):
    """(line, col, new text, body) for every number of every sidecar claim."""
    lines = body.split("\n")
    for claim in sidecar.claims:
        for m in re.finditer(r"[+\-\u2212]?\d+(?:\.\d+)?(?:e[+\-]?\d+)?[%×]?", claim.text):
            text = m.group()
            digits = [d.start() for d in re.finditer(r"\d", text)]
            last = digits[-1]
            if "e" in text:  # 1e-4 -> 2e-4: the mantissa's last digit
                last = [d for d in digits if d < text.index("e")][-1]
            new_digit = "8" if text[last] == "9" else str(int(text[last]) + 1)
            new = text[:last] + new_digit + text[last + 1:]
            assert parse_number(new).value != parse_number(text).value
            ln = lines[claim.line - 1]
            col = claim.col - 1 + m.start()
            assert ln[col:col + len(text)] == text
            out = lines.copy()
            out[claim.line - 1] = ln[:col] + new + ln[col + len(text):]
            yield claim.line, col + 1, new, "\n".join(out)


def test_every_one_digit_mutation_is_contradicted(rendered):
    body, sidecar, checker = rendered
    caught, missed = 0, []
    for line, col, new, mutated in _mutations(body, sidecar):
        rep = checker.check(mutated, sidecar=read_in_body(mutated).sidecar)  # as lint does
        if any(kind_of(f) == "contradicted" and (f.line, f.col) == (line, col)
               for f in rep.findings):
            caught += 1
        else:
            missed.append((line, col, new))
    total = caught + len(missed)
    assert total >= 250
    assert caught == total, missed[:10]
