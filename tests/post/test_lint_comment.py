"""One marked lint comment per issue, edited in place; its text format."""

from __future__ import annotations

import json

import pytest

from personageo.report.post_ci import fetch_issue, post_lint_report
from personageo.report.post_comments import (
    LINT_END_MARKER,
    LINT_MARKER,
    MAX_CHARS,
    format_lint_comment,
    status_from_exit_code,
    upsert_marked_comment,
)

REPORT = "Check            Status  Detail\nPG101 numbers    FAIL    0.111 contradicted at 12:40\n"


def lint_comments(fake):
    return [c for c in fake.comments_of(7) if c["body"].startswith(LINT_MARKER)]


def test_created_then_unchanged_then_updated(fake, make_client):
    client = make_client()
    first = post_lint_report(client, 7, REPORT, 1, linted_body="v1")
    assert first.upsert.action == "created"
    again = post_lint_report(client, 7, REPORT, 1, linted_body="v1")
    assert again.upsert.action == "unchanged"
    assert [r.method for r in fake.writes()] == ["POST"]  # nothing written the second time
    fixed = post_lint_report(client, 7, "all checks pass\n", 0, linted_body="v2")
    assert fixed.upsert.action == "updated" and fixed.upsert.comment_id == first.upsert.comment_id
    (only,) = lint_comments(fake)
    assert "Clean-result lint — PASS" in only["body"] and "all checks pass" in only["body"]
    assert [r.method for r in fake.writes()] == ["POST", "PATCH"]


def test_other_comments_and_the_old_bot_marker_are_left_alone(fake, make_client):
    human = fake.add_comment(7, "Looks good, but check layer 7.")
    old_bot = fake.add_comment(7, "<!-- epm:clean-result-lint v1 -->\n## Clean-result lint — FAIL")
    post_lint_report(make_client(), 7, REPORT, 1)
    assert human in fake.comments and old_bot in fake.comments
    assert len(lint_comments(fake)) == 1


def test_duplicates_from_a_race_are_collapsed_to_the_oldest(fake, make_client):
    a = fake.add_comment(7, f"{LINT_MARKER}\nold report A")
    fake.add_comment(7, f"{LINT_MARKER}\nold report B")
    fake.add_comment(7, f"{LINT_MARKER}\nold report C")
    out = post_lint_report(make_client(), 7, REPORT, 1)
    assert out.upsert.action == "updated" and out.upsert.comment_id == a["id"]
    assert len(out.upsert.deleted_duplicates) == 2
    (only,) = lint_comments(fake)
    assert only["id"] == a["id"] and "PG101" in only["body"]


def test_lost_answer_to_create_does_not_duplicate(fake, make_client):
    fake.fail("POST", r".*/issues/7/comments", 502, body={"message": "Server Error"}, after=True)
    out = post_lint_report(make_client(), 7, REPORT, 1)
    assert out.upsert.action == "unchanged"  # found on the re-list, identical text
    assert len(lint_comments(fake)) == 1


def test_upsert_refuses_a_body_without_its_marker(make_client):
    with pytest.raises(ValueError, match="marker"):
        upsert_marked_comment(make_client(), 7, LINT_MARKER, "no marker here")


def test_format_is_marked_fenced_and_stable():
    body = format_lint_comment("a ``` fence inside\n", "FAIL", body_sha256="ab" * 32)
    lines = body.splitlines()
    assert lines[0] == LINT_MARKER and lines[-1] == LINT_END_MARKER
    assert "````text" in lines  # longer than the report's own backtick run
    assert "body sha256 abababababab" in body
    assert body == format_lint_comment("a ``` fence inside\n", "FAIL", body_sha256="ab" * 32)


def test_huge_report_is_cut_to_fit_one_comment():
    body = format_lint_comment("line of findings\n" * 10_000, "FAIL")
    assert len(body) <= MAX_CHARS
    assert "report cut" in body and body.endswith(LINT_END_MARKER)


@pytest.mark.parametrize("code, status", [(0, "PASS"), (1, "FAIL"), (2, "ERROR"), (137, "ERROR")])
def test_status_from_exit_code(code, status):
    assert status_from_exit_code(code) == status


def test_fetch_issue_writes_body_meta_and_front_matter(fake, make_client, tmp_path):
    import yaml

    fake.issues[7]["body"] = "line one\r\nline two\r\n"
    fetch_issue(make_client(), 7, tmp_path / "b.md", meta_out=tmp_path / "m.json",
                front_matter_out=tmp_path / "fm.md")
    assert (tmp_path / "b.md").read_text() == "line one\nline two\n"
    meta = json.loads((tmp_path / "m.json").read_text())
    assert meta["title"] == "Full-param SFT vs LoRA" and meta["issue"] == 7
    assert meta["labels"] == ["experiment"] and meta["created"].startswith("2026-05-06")
    fm = (tmp_path / "fm.md").read_text()
    head, body = fm.split("---\n")[1:3]
    assert yaml.safe_load(head) == meta and body == "line one\nline two\n"
