"""Every rule's case file, run by one parametrised test, plus the registry's meta-test.

Case files (``cases/PGxxx.yaml``; the number checker's live in ``numbers/cases/``) hold::

    rule: PG201
    cases:
      - name: what the case shows
        base: v2_good.md            # a fixture under fixtures/, or `body: |` inline markdown
        edits: [[old, new], ...]    # applied once each, in order, to the base
        append: {text: "a", times: 70000}
        title / issue / layout / strict / results: [...]   # lint options
        files: {name: text}         # files written beside case.md (cwd) before linting
        status: SKIP                # default: PASS when expect is empty, else the rule's level
        expect: [[line, col], {line: 20, at: "TBD"}]   # `at`: col of that text on the line

Expected columns are written by hand or found by plain string search in the case's own body,
never produced by the linter.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from personageo.lint.engine import LintOptions, lint_text
from personageo.lint.registry import DOC_SECTIONS, all_rules

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
CASE_DIRS = [HERE / "cases", HERE / "numbers" / "cases"]

STATUS_OF = {"error": "FAIL", "warning": "WARN", "info": "INFO"}


def _case_files() -> list[Path]:
    return sorted(p for d in CASE_DIRS if d.is_dir() for p in d.glob("PG*.yaml"))


def _load() -> list[tuple[str, dict]]:
    out = []
    for path in _case_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            out.append((data["rule"], case))
    return out


CASES = _load()


def build_body(case: dict) -> str:
    text = case["body"] if "body" in case else (FIXTURES / case["base"]).read_text(encoding="utf-8")
    for old, new in case.get("edits", []):
        assert old in text, f"edit target not in the base body: {old!r}"
        text = text.replace(old, new, 1)
    if "append" in case:
        text += case["append"]["text"] * case["append"]["times"]
    return text


def expected_positions(case: dict, text: str) -> list[tuple[int, int]]:
    lines = text.split("\n")
    out = []
    for item in case["expect"]:
        if isinstance(item, dict):
            line = item["line"]
            assert item["at"] in lines[line - 1], f"{item['at']!r} not on line {line}"
            out.append((line, lines[line - 1].index(item["at"]) + 1))
        else:
            out.append((item[0], item[1]))
    return sorted(out)


def _resolve(path: str, reference_dir) -> str:
    if path.startswith("@repo/"):  # the project's own shipped files (e.g. the demo's results)
        return str(HERE.parents[1] / path.removeprefix("@repo/"))
    if path.startswith("@reference/"):
        return str(reference_dir / path.removeprefix("@reference/"))
    return path


@pytest.mark.parametrize("rule_id,case", CASES, ids=[f"{r}-{c['name']}" for r, c in CASES])
def test_rule_case(rule_id: str, case: dict, tmp_path, monkeypatch, request) -> None:
    if case.get("files"):
        monkeypatch.chdir(tmp_path)  # "case.md" and the case's `files:` live here
    for name, content in case.get("files", {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content, encoding="utf-8")
    requires = case.get("requires", [])
    reference_dir = None
    if "reference" in requires or any(p.startswith("@reference/")
                                      for p in case.get("results", [])):
        reference_dir = request.getfixturevalue("reference_dir")  # CI: fails when missing
    text = build_body(case)
    options = LintOptions(
        select=(rule_id,), title=case.get("title"), issue=case.get("issue"),
        layout=case.get("layout", "auto"), strict=case.get("strict", False),
        results=tuple(_resolve(p, reference_dir) for p in case.get("results", [])), raise_rule_errors=True,
    )
    result = lint_text(text, "case.md", options)
    outcome = result.outcome(rule_id)
    assert outcome is not None
    got = sorted((v.line, v.col) for v in outcome.violations)
    assert got == expected_positions(case, text), [v.message for v in outcome.violations]
    want_status = case.get("status") or (STATUS_OF[outcome.rule.severity] if case["expect"] else "PASS")
    assert outcome.status == want_status, outcome.detail
    assert all(v.rule == rule_id and v.path == "case.md" for v in outcome.violations)


def test_every_rule_is_documented_and_has_passing_and_failing_cases() -> None:
    registry = all_rules()
    by_rule: dict[str, list[dict]] = {}
    for rule_id, case in CASES:
        by_rule.setdefault(rule_id, []).append(case)
    pending = []
    for rule in registry.active():
        sections = rule.doc_sections()
        missing = [s for s in DOC_SECTIONS if not sections.get(s)]
        assert not missing, f"{rule.id} docstring lacks sections {missing}"
        cases = by_rule.get(rule.id, [])
        if not cases and rule.id.startswith("PG1"):
            pending.append(rule.id)  # number rules' cases belong to tests/lint/numbers/cases
            continue
        passing = [c for c in cases if not c["expect"] and c.get("status", "PASS") == "PASS"]
        failing = [c for c in cases if c["expect"]]
        assert passing, f"{rule.id} has no passing case"
        assert failing, f"{rule.id} has no failing case"
    assert set(by_rule) <= {r.id for r in registry}, "case file for an unknown rule"
    if pending:
        pytest.skip(f"number rules without case files yet: {', '.join(pending)}")
