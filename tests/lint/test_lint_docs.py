"""docs/rules.md is generated from the rule docstrings and must be current."""

from __future__ import annotations

from pathlib import Path

from personageo.lint.docs import REGEN_COMMAND, render_rules_markdown
from personageo.lint.registry import all_rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_rules_doc_is_current():
    assert DOC.is_file(), f"docs/rules.md is missing: run `{REGEN_COMMAND}`"
    assert DOC.read_text(encoding="utf-8") == render_rules_markdown(), (
        f"docs/rules.md is stale: run `{REGEN_COMMAND}`")


def test_rules_doc_lists_every_rule_with_its_sections():
    text = render_rules_markdown()
    for rule in all_rules():
        assert f"## {rule.id} {rule.name}" in text
        assert f"| `{rule.name}` | {rule.severity} |" in text
    assert text.count("**What it does.**") == len(all_rules())
