"""Small wording guards of the renderer: no "Baseline baseline", no absolute machine paths."""

from __future__ import annotations

import pytest

from personageo.report._env import display_path, with_noun


@pytest.mark.parametrize("label,text", [
    ("LoRA", "LoRA baseline"), ("Baseline", "Baseline"), ("LoRA baseline", "LoRA baseline"),
    ("the baseline", "the baseline"),
])
def test_with_noun_never_doubles_the_noun(label, text):
    assert with_noun(label, "baseline") == text


@pytest.mark.parametrize("path,shown", [
    ("/home/alice/exp/data/questions.jsonl", "questions.jsonl"),
    ("/workspace/run/", "run"),
    ("~/data/q.jsonl", "q.jsonl"),
    ("C:\\Users\\bob\\q.jsonl", "q.jsonl"),
    ("data/questions_small.jsonl", "data/questions_small.jsonl"),
    ("configs/demo.yaml", "configs/demo.yaml"),
])
def test_display_path_hides_machine_paths(path, shown):
    assert display_path(path) == shown


def test_rendered_toy_body_has_no_machine_paths_doubled_nouns_or_empty_headings(tmp_path):
    """The toy run of conftest, its recorded paths made absolute and its baseline unnamed."""
    import json
    import re

    from personageo.report.renderer import PublishTarget, render
    from tests.builders import toy
    from tests.report.conftest import FAKE_SHA

    doc = toy(samples=False)  # no samples: the representative input names the file
    doc["provenance"]["source_files"] = [
        {"path": "/home/alice/research/configs/toy.yaml", "role": "config"}]
    doc["design"]["questions"] = {"path": "/mnt/data/alice/questions.jsonl"}
    target = tmp_path / "eval_results" / "issue_7" / "run_result.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(doc), encoding="utf-8")
    body = render(PublishTarget(issue=7, root=tmp_path, repo="acme/research",
                                commit=FAKE_SHA)).body
    assert "/home/" not in body and "/mnt/" not in body
    assert "`toy.yaml` (config)" in body and "questions file questions.jsonl" in body
    assert not re.search(r"\b(\w+) \1\b", body.replace("persona persona", ""), re.I), \
        re.search(r"\b(\w+) \1\b", body, re.I)
    for line in body.split("\n"):
        if line.startswith("#"):
            assert re.sub(r"^#+\s*|Result \d+:\s*", "", line).strip(), line
    assert "+0.000" not in body and "-0.000" not in body


def test_a_tiny_non_zero_delta_shows_its_digit_and_lints_clean(tmp_path):
    """A delta of 2e-9 (and a ratio of 2.7e-7) is neither shown as 0.0000 nor contradicted."""
    import json

    from personageo.lint.engine import LintOptions, lint_file
    from personageo.report.renderer import PublishTarget, render, write_outputs
    from tests.builders import TOY_BASE, toy, with_post
    from tests.report.conftest import FAKE_SHA

    doc = with_post(toy(), "full_em_lr2e5/A/L7", TOY_BASE[7] + 2e-9)
    target = tmp_path / "eval_results" / "issue_7" / "run_result.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(doc), encoding="utf-8")
    rendered = render(PublishTarget(issue=7, root=tmp_path, repo="acme/research",
                                    commit=FAKE_SHA))
    write_outputs(rendered, overwrite=False)
    assert "0.000000002" in rendered.body  # the full delta table, fixed(4) extended
    result = lint_file(rendered.body_path, LintOptions(select=("PG101",),
                                                       results=(str(target),)))
    assert result.outcome("PG101").status == "PASS", result.outcome("PG101").detail
