"""docs/rules.md is generated from the rule docstrings (its staleness: tests/test_golden.py)."""

from __future__ import annotations

from personageo.lint.docs import render_rules_markdown
from personageo.lint.registry import all_rules


def test_rules_doc_lists_every_rule_with_its_sections():
    text = render_rules_markdown()
    for rule in all_rules():
        assert f"## {rule.id} {rule.name}" in text
        assert f"| `{rule.name}` | {rule.severity} |" in text
    assert text.count("**What it does.**") == len(all_rules())
