"""Valid but hostile results strings cannot create structure in the rendered body: the body
of a hostile results file lints exactly as the body of the clean one."""

from __future__ import annotations

import json

import pytest

from personageo.lint.engine import LintOptions, lint_text
from personageo.report import PublishTarget, render
from personageo.report._untrusted import escape_inline
from tests.builders import toy
from tests.report.conftest import FAKE_SHA

INJECT = "\n\n# Injected heading\n\n| a | b |\n|---|---|\n<!-- x -->`[link](javascript:x)`\\"


def _hostile(doc: dict) -> dict:
    doc["design"]["base_model"] = "toy/base" + INJECT
    doc["experiment"]["title"] = "Toy" + INJECT
    doc["provenance"].update(python="3.11" + INJECT, cuda="# 12.1", produced_by="* tests",
                             packages={"torch": "2.4|evil" + INJECT, "x\n## y": "1"})
    doc["design"]["personas"][0]["name"] = "villain" + INJECT
    doc["design"]["methods"][0]["token_rule"] = "last<details>" + INJECT
    for cond in doc["design"]["conditions"]:
        if str(cond["data"].get("name")).startswith("data/"):  # keep the hub link
            cond["data"]["name"] += INJECT
    return doc


def _render_and_lint(tmp_path, doc, name):
    root = tmp_path / name
    target = root / "eval_results" / "issue_7" / "run_result.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(doc), encoding="utf-8")
    body = render(PublishTarget(issue=7, root=root, repo="acme/research", commit=FAKE_SHA)).body
    result = lint_text(body, "body.md", LintOptions(results=(str(target),)))
    return body, sorted({(v.rule, v.message.split(":")[0]) for v in result.errors})


def test_hostile_strings_lint_like_the_clean_ones(tmp_path):
    _, clean = _render_and_lint(tmp_path, toy(), "clean")
    body, hostile = _render_and_lint(tmp_path, _hostile(toy()), "hostile")
    assert hostile == clean
    assert "\n# Injected" not in body and "\n## y" not in body
    assert "<details>\n" not in body.split("last", 1)[1][:40]
    assert "&#124;" in body and "javascript" in body  # shown as text, not as markup


@pytest.mark.parametrize("text,expected", [
    ("Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B-Instruct"),
    ("full_em_lr2e5", "full_em_lr2e5"),
    ("a\nb\r\nc\u2028d", "a b c d"),
    ("# h", "&#35; h"), ("- item", "&#45; item"), ("1. x", "&#49;. x"), ("#tag", "#tag"),
    ("a|b", "a&#124;b"), ("<!--", "&lt;!--"), ("`x`", "&#96;x&#96;"), ("x\\", "x&#92;"),
    ("[a](b)", "&#91;a&#93;(b)"), ("**b**", "&#42;&#42;b&#42;&#42;"),
])
def test_escape_inline(text, expected):
    assert escape_inline(text) == expected
    assert escape_inline(expected) == expected  # idempotent: a macro may print it twice
