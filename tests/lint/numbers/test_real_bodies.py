"""The three real bodies (no results of their own): numbers found, exclusions applied, no crash."""

from __future__ import annotations

import pytest

from personageo.lint.numbers import check_numbers, extract

NAMES = ["issue_89_v1.md", "issue_164_v1.md", "issue_139_v2.md"]


@pytest.mark.parametrize("name", NAMES)
def test_real_body_without_results(name, reference_dir):
    path = reference_dir / "bodies" / name
    text = path.read_text(encoding="utf-8")
    rep = check_numbers(text, path=str(path))
    assert rep.checked is False and rep.findings == []
    assert len(rep.claims) > 100
    assert {c.outcome for c in rep.claims} == {"unchecked"}
    lines = text.replace("\r\n", "\n").split("\n")
    for c in rep.claims:  # every claim is where it says, verbatim
        assert lines[c.line - 1][c.col - 1:c.end_col - 1] == c.text, (c.line, c.col, c.text)
    rules = {e.rule for _, _, e in extract(text).excluded}
    assert "glued" in rules  # model names / layer labels appear in every body
