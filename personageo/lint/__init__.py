"""``personageo lint``: a clean-result body checked for structure, wording and numbers.

Public API::

    lint_file(path, options=LintOptions(...), config=None) -> LintResult
    lint_text(text, path, options, config) -> LintResult
    parse_document(text, path) -> Document          # the markdown-it document model
    all_rules() -> Registry                         # every registered rule (frozen)
    render(result, "text" | "json" | "github") -> str

See :mod:`personageo.lint.document` for the model, :mod:`personageo.lint.registry` for rules,
``docs/rules.md`` for every rule.
"""

from personageo.lint.config import LintConfig, load_config
from personageo.lint.document import Document, parse_document
from personageo.lint.engine import (
    LintOptions,
    LintResult,
    RuleOutcome,
    lint_document,
    lint_file,
    lint_text,
)
from personageo.lint.output import render
from personageo.lint.registry import Registry, RuleInfo, all_rules, rule
from personageo.lint.violation import Detail, Skip, Violation

__all__ = [
    "Detail", "Document", "LintConfig", "LintOptions", "LintResult", "Registry", "RuleInfo",
    "RuleOutcome", "Skip", "Violation", "all_rules", "lint_document", "lint_file", "lint_text",
    "load_config", "parse_document", "render", "rule",
]
