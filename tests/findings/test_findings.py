"""The one findings model: a Finding's defaults, order and text forms, and one code registry
with ids unique across lint, verify, the schema and the internal error."""

from __future__ import annotations

import pytest

from personageo.findings import (
    CODES,
    Code,
    CodeRegistry,
    CodeRegistryError,
    Finding,
    Location,
    github_annotation,
    internal_error,
    text_line,
)
from personageo.findings._formats import rule_line


def _all_codes() -> CodeRegistry:
    import personageo.schema  # noqa: F401  (registers S codes)
    import personageo.verify  # noqa: F401  (registers V codes)
    from personageo.lint import all_rules

    all_rules()  # registers every PG rule
    return CODES


def test_every_checker_registers_into_one_table_with_unique_ids():
    from personageo.lint import all_rules
    from personageo.verify import CODES as VERIFY_CODES

    codes = _all_codes()
    ids = [c.code for c in codes]
    assert len(ids) == len(set(ids))
    by_source = {s: {c.code for c in codes if c.source == s} for s in ("lint", "verify",
                                                                          "schema", "findings")}
    assert by_source["lint"] == {r.id for r in all_rules()}  # removed rules keep their id
    assert by_source["verify"] == set(VERIFY_CODES)
    assert {"S001", "S006", "S019"} <= by_source["schema"]
    assert by_source["findings"] == {"X001"}
    assert sum(map(len, by_source.values())) == len(codes)
    for c in codes:
        assert c.code.startswith({"lint": "PG", "verify": "V", "schema": "S",
                                  "findings": "X"}[c.source]), c
        assert c.severity in ("error", "warning", "info") and c.summary, c


def test_lint_rule_codes_carry_the_rule_docstring():
    from personageo.lint import all_rules

    rule = next(iter(all_rules()))
    assert CODES[rule.id].doc == rule.doc and CODES[rule.id].name == rule.name


@pytest.mark.parametrize("code, source", [("V101", "verify"), ("PG101", "lint"),
                                          ("S006", "schema"), ("X001", "findings")])
def test_an_id_registered_once_is_refused_from_any_family(code, source):
    _all_codes()
    for other in ("lint", "verify", "schema", "findings"):
        prefix = {"lint": "PG", "verify": "V", "schema": "S", "findings": "X"}[other]
        if code.startswith(prefix):
            with pytest.raises(CodeRegistryError, match="duplicate finding code"):
                CODES.register(Code(code, "some-other-name", "error", "x", other))


def test_registry_refuses_bad_ids_prefixes_and_severities():
    reg = CodeRegistry()
    reg.register(Code("V900", "a", "error", "x", "verify"))
    with pytest.raises(CodeRegistryError, match="bad finding code"):
        reg.register(Code("V9000", "b", "error", "x", "verify"))
    with pytest.raises(CodeRegistryError, match="does not own"):
        reg.register(Code("V901", "b", "error", "x", "lint"))
    with pytest.raises(CodeRegistryError, match="severity"):
        reg.register(Code("V902", "b", "fatal", "x", "verify"))
    with pytest.raises(CodeRegistryError, match="duplicate verify code name"):
        reg.register(Code("V903", "a", "error", "x", "verify"))
    assert [c.code for c in reg] == ["V900"] and "V900" in reg and reg.find("V901") is None


def test_severity_and_name_default_to_the_registered_code():
    _all_codes()
    f = Finding("V102", "p uses b/n", Location("r.json", pointer="/cells/c/test/p"))
    assert (f.severity, f.name) == ("warning", "p-b-over-n")
    assert Finding("V102", "m", severity="error").severity == "error"  # override kept
    with pytest.raises(ValueError, match="unknown finding code"):
        Finding("V999", "m")
    with pytest.raises(ValueError, match="unknown severity"):
        Finding("V102", "m", severity="fatal")


def test_findings_sort_by_file_line_column_pointer_code():
    a = Finding("X001", "m", Location("a.md", 2, 5))
    b = Finding("X001", "m", Location("a.md", 10, 1))
    c = Finding("X001", "m", Location("b.md", 1, 1))
    d = Finding("X001", "m", Location("a.md", 2, 1))
    assert sorted([c, b, a, d]) == [d, a, b, c]


def test_text_forms_of_each_output():
    _all_codes()
    at_pointer = Finding("V301", "delta = 0.3 but post - base = 0.5 - 0.25",
                         Location("r.json", pointer="/cells/c1/delta"), expected="0.25")
    assert text_line(at_pointer) == ("r.json#/cells/c1/delta: error V301 delta = 0.3 but post - "
                                     "base = 0.5 - 0.25 (expected 0.25)")
    assert str(at_pointer) == text_line(at_pointer)
    bare = Finding("S006", "delta = 1", Location(pointer="/cells/0/delta"))
    assert text_line(bare) == "#/cells/0/delta: error S006 delta = 1"
    assert text_line(bare, "<results>") == "<results>#/cells/0/delta: error S006 delta = 1"
    at_line = Finding("PG102", "no binding", Location("x.md", 3, 7, end_line=3, end_col=11))
    assert rule_line(at_line) == "x.md:3:7: PG102 no binding (unbound-number)"
    assert github_annotation(at_line) == ("::warning file=x.md,line=3,col=7,endLine=3,"
                                          "endColumn=11,title=PG102 unbound-number::no binding")
    assert github_annotation(at_pointer, "#/cells/c1/delta: x", line=12) == (
        "::error file=r.json,line=12,title=V301 delta-mismatch::#/cells/c1/delta: x")


def test_internal_error_is_an_error_naming_the_part_and_the_exception():
    f = internal_error("the family checks", KeyError("c9"), Location("r.json"))
    assert (f.code, f.severity, f.path) == ("X001", "error", "r.json")
    assert f.message == "internal error in the family checks: KeyError: 'c9'"
