"""The rule registry and the configuration: ids, names, freezing, selection, overrides."""

from __future__ import annotations

import pytest

from personageo.errors import InputError
from personageo.lint.config import load_config
from personageo.lint.engine import LintOptions, lint_text
from personageo.lint.registry import Registry, RegistryError, UnknownRuleError, all_rules


def _noop(doc, ctx):
    """Nothing."""
    return []


def test_duplicate_ids_and_names_are_refused():
    reg = Registry()
    reg.rule(id="PG901", name="first-rule", severity="error")(_noop)
    with pytest.raises(RegistryError, match="duplicate rule id PG901"):
        reg.rule(id="PG901", name="other-rule", severity="error")(_noop)
    with pytest.raises(RegistryError, match="duplicate rule name first-rule"):
        reg.rule(id="PG902", name="first-rule", severity="error")(_noop)


@pytest.mark.parametrize("kw,match", [
    ({"id": "PX101", "name": "a-b", "severity": "error"}, "bad rule id"),
    ({"id": "PG101", "name": "NotKebab", "severity": "error"}, "kebab-case"),
    ({"id": "PG101", "name": "a-b", "severity": "fatal"}, "severity"),
    ({"id": "PG101", "name": "a-b", "severity": "error", "layouts": ("v3",)}, "layouts"),
])
def test_bad_declarations_are_refused(kw, match):
    with pytest.raises(RegistryError, match=match):
        Registry().rule(**kw)(_noop)


def test_frozen_registry_refuses_new_rules():
    reg = all_rules()
    assert reg.frozen
    with pytest.raises(RegistryError, match="frozen"):
        reg.rule(id="PG999", name="late-rule", severity="error")(_noop)


def test_ids_follow_the_family_scheme():
    reg = all_rules()
    for rule in reg:
        family = {"1": "numbers", "2": "structure", "3": "style", "4": "claims"}[rule.id[2]]
        if family in ("numbers", "claims"):
            assert family in rule.tags, rule.id
    assert reg.get("summary-structure").id == "PG201" and reg.get("pg201").name == "summary-structure"


def test_unknown_id_suggests_the_closest():
    reg = all_rules()
    with pytest.raises(UnknownRuleError) as info:
        reg.get("PG2O1")
    assert "PG201 (summary-structure)" in info.value.hint
    with pytest.raises(UnknownRuleError) as info:
        reg.get("summary-structur")
    assert "did you mean PG201 (summary-structure)" in info.value.hint


def test_select_by_prefix_and_name_and_ignore():
    reg = all_rules()
    assert reg.resolve(["PG3"]) == {"PG301", "PG302", "PG303", "PG304"}
    assert reg.resolve(["stats-framing", "PG30"]) == {"PG301", "PG302", "PG303", "PG304"}
    with pytest.raises(UnknownRuleError):
        reg.resolve(["PG9"])
    result = lint_text("We are fairly confident.\n", "x.md",
                       LintOptions(select=("PG3",), ignore=("confidence-hedge",)))
    assert [o.rule.id for o in result.outcomes] == ["PG301", "PG302", "PG304"]


def test_pyproject_overrides_severity_and_selection(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.personageo.lint]\nPG303 = "error"\nundefined-acronym = "off"\nignore = ["PG2"]\n')
    body = tmp_path / "sub" / "body.md"
    body.parent.mkdir()
    body.write_text("We are fairly confident that H2 holds.\n")
    config = load_config(all_rules(), start=body)
    assert config.severities == {"PG303": "error", "PG302": "off"} and config.ignore == ("PG2",)
    result = lint_text(body.read_text(), str(body), LintOptions(), config)
    ids = [o.rule.id for o in result.outcomes]
    assert "PG302" not in ids and not any(i.startswith("PG2") for i in ids)
    (hedge,) = [v for v in result.violations if v.rule == "PG303"]
    assert hedge.severity == "error" and result.exit_code == 1


@pytest.mark.parametrize("toml,match", [
    ('[tool.personageo.lint]\nPG2O1 = "error"\n', "did you mean"),
    ('[tool.personageo.lint]\nPG201 = "fatal"\n', "must be one of"),
    ('[tool.personageo.lint]\nignore = "PG2"\n', "list of rule ids"),
    ('[tool.personageo.lint\n', "cannot parse"),
])
def test_bad_configuration_is_an_input_error(tmp_path, toml, match):
    (tmp_path / "pyproject.toml").write_text(toml)
    with pytest.raises(InputError) as info:
        load_config(all_rules(), start=tmp_path)
    assert match in str(info.value)


def test_strict_turns_warnings_into_errors():
    body = "We are fairly confident.\n"
    loose = lint_text(body, "x.md", LintOptions(select=("PG303",)))
    strict = lint_text(body, "x.md", LintOptions(select=("PG303",), strict=True))
    assert [v.severity for v in loose.violations] == ["warning"] and loose.exit_code == 0
    assert [v.severity for v in strict.violations] == ["error"] and strict.exit_code == 1


def test_layout_comes_from_shape_not_date():
    v1 = "## TL;DR\n\n### Background\n\n### Results\n\n**Main takeaways:**\n"
    for created in ("2020-01-01", "2030-01-01"):
        r = lint_text(v1, "x.md", LintOptions(created=created, select=("PG201",)))
        assert r.layout == "v1"
    forced = lint_text(v1, "x.md", LintOptions(layout="v2", select=("PG201",)))
    assert forced.layout == "v2" and forced.context.layout_reasons == ("--layout v2",)


def test_a_crashing_rule_becomes_a_finding_not_a_traceback():
    from personageo.lint.rules import wording

    def boom(doc, ctx):
        raise ZeroDivisionError("oops")

    info = all_rules().get("PG304")
    object.__setattr__(info, "func", boom)  # RuleInfo is frozen; restored below
    try:
        result = lint_text("text\n", "x.md", LintOptions(select=("PG304",)))
        (v,) = result.violations
        assert "internal error" in v.message and v.rule == "PG304"
        with pytest.raises(ZeroDivisionError):
            lint_text("text\n", "x.md", LintOptions(select=("PG304",), raise_rule_errors=True))
    finally:
        object.__setattr__(info, "func", wording.stats_framing)


def test_info_rule_can_be_promoted_by_configuration():
    from personageo.lint.config import LintConfig

    config = LintConfig(severities={"PG103": "error"})
    result = lint_text("Text.\n", "x.md", LintOptions(select=("PG103",)), config)
    assert [v.severity for v in result.violations] == ["error"] and result.exit_code == 1
