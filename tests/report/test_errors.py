"""Bad input is a clear InputError naming the file and the path; nothing is half-written."""

from __future__ import annotations

import json

import pytest

from personageo.errors import InputError
from personageo.report import PublishTarget, render, render_report, renderer
from tests.report.conftest import FAKE_SHA, snapshot


def opts(root, **kw) -> PublishTarget:
    return PublishTarget(issue=7, root=root, repo="acme/research", commit=FAKE_SHA, **kw)


def fails(options) -> InputError:
    root = options.root
    before = snapshot(root)
    with pytest.raises(InputError) as err:
        render_report(options)
    assert snapshot(root) == before, "a failed render wrote files"
    return err.value


def test_unknown_issue_names_the_missing_directory(toy_root):
    err = fails(PublishTarget(issue=99, root=toy_root, repo="a/b", commit=FAKE_SHA))
    assert "unknown issue 99" in str(err) and "eval_results/issue_99" in str(err)


def test_missing_results_file(toy_root):
    err = fails(opts(toy_root, results=toy_root / "nope.json"))
    assert err.location.path.endswith("nope.json") and "not found" in err.message


def test_invalid_json_reports_line_and_column(toy_root):
    bad = toy_root / "eval_results" / "issue_7" / "run_result.json"
    bad.write_text('{\n  "schema_version": "1.0",\n  oops\n}', encoding="utf-8")
    err = fails(opts(toy_root))
    assert err.location.line == 3 and "invalid JSON" in err.message


def test_schema_error_reports_the_json_pointer(toy_root):
    f = toy_root / "eval_results" / "issue_7" / "run_result.json"
    doc = json.loads(f.read_text())
    doc["cells"][0]["p_adjusted"] = "zero"
    f.write_text(json.dumps(doc))
    err = fails(opts(toy_root))
    assert any("/cells/0/p_adjusted" in d for d in err.details)


def test_narrative_missing_value_names_file_line_and_path(toy_root):
    narrative = toy_root / "reports" / "issue_7.narrative.md"
    narrative.parent.mkdir()
    narrative.write_text(
        "---\nconfidence: MODERATE\n---\n{% block background %}\nPrior work.\n"
        "The delta was {{ v('/cells/no_such_cell/delta') | signed(3) }}.\n{% endblock %}\n",
        encoding="utf-8")
    err = fails(opts(toy_root))
    assert err.location.path == str(narrative)
    assert err.location.line == 6
    assert err.location.pointer == "/cells/no_such_cell/delta"
    assert "/cells/no_such_cell/delta" in str(err)


def test_narrative_undefined_name_and_unbound_number(toy_root):
    narrative = toy_root / "n.md"
    narrative.write_text("{% block findings %}\n\n{{ no_such_thing }}\n{% endblock %}\n")
    err = fails(opts(toy_root, narrative=narrative))
    assert (err.location.path, err.location.line) == (str(narrative), 3)
    assert "no_such_thing" in err.message
    narrative.write_text("{% block findings %}{{ exp.cells[0].delta }}{% endblock %}\n")
    err = fails(opts(toy_root, narrative=narrative))
    assert "number filter" in err.message


def test_narrative_text_outside_blocks_is_refused(toy_root):
    narrative = toy_root / "n.md"
    narrative.write_text("{% block claim %}X{% endblock %}\nThis prose would vanish.\n")
    err = fails(opts(toy_root, narrative=narrative))
    assert err.location.line == 2 and "outside a {% block %}" in err.message


def test_existing_different_body_is_not_overwritten(toy_root):
    body = toy_root / "reports" / "issue_7.md"
    body.parent.mkdir()
    body.write_text("hand-written body\n")
    err = fails(opts(toy_root))
    assert "--overwrite" in str(err)
    render_report(opts(toy_root), overwrite=True)
    assert body.read_text().startswith("---\ntitle: ")


def test_branch_commit_is_refused_unless_allowed(toy_root):
    err = fails(PublishTarget(issue=7, root=toy_root, repo="a/b", commit="main"))
    assert "branch" in err.message
    r = render(PublishTarget(issue=7, root=toy_root, repo="a/b", commit="main",
                             allow_branch_url=True))
    assert "raw.githubusercontent.com/a/b/main/figures/issue_7/hero.png" in r.body


def test_body_over_the_tracker_limit_is_an_error(toy_root, monkeypatch):
    monkeypatch.setattr(renderer, "MAX_BODY_CHARS", 1000)
    err = fails(opts(toy_root))
    assert "at most 1000" in err.message


def test_missing_narrative_file(toy_root):
    err = fails(opts(toy_root, narrative=toy_root / "absent.md"))
    assert err.location.path.endswith("absent.md")


def test_a_bare_number_in_a_narrative_is_refused(toy_root):
    narrative = toy_root / "n.md"
    narrative.write_text("{% block findings %}\nLayers: {{ run.design.layers[0] }}.\n"
                         "{% endblock %}\n")
    err = fails(opts(toy_root, narrative=narrative))
    assert (err.location.line, "printed without a number filter") == (
        2, err.message[err.message.index("printed"):][:len("printed without a number filter")])
