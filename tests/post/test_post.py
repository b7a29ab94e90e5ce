"""plan_post / execute_plan: first promotion, idempotency, labels, title, limits, lint gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from personageo.errors import InputError
from personageo.report import post
from personageo.report.post import (
    CLEAN_RESULT_MARKER,
    DRAFT_LABEL,
    ORIGINAL_BODY_MARKER,
    PROMOTED_LABEL,
    LintGateError,
    derive_title,
    execute_plan,
    lint_gate,
    pin_writeup,
    plan_post,
    read_writeup,
)
from personageo.report.post_ci import post_lint_report
from personageo.report.post_comments import LINT_MARKER
from personageo.report.target import PublishTarget

from .conftest import ORIGINAL

WRITEUP = """## Human TL;DR
_(Human TL;DR — to be filled in by the user. Leave this line as-is in drafts.)_

## AI TL;DR (human reviewed)
Full-parameter SFT collapses persona geometry at least as much as LoRA.

- **Confidence: MODERATE** — single seed.
"""


def write(tmp_path: Path, text: str, name: str = "issue_7.md") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def post_once(client, path, **kw):
    plan = plan_post(client, 7, read_writeup(path), **kw)
    return plan, execute_plan(client, plan)


def marked(fake, marker):
    return [c for c in fake.comments_of(7) if c["body"].startswith(marker)]


def test_first_promotion_keeps_original_then_replaces_body(fake, make_client, tmp_path):
    plan, made = post_once(make_client(), write(tmp_path, WRITEUP))
    kept = marked(fake, ORIGINAL_BODY_MARKER)
    assert len(kept) == 1 and kept[0]["body"].endswith(ORIGINAL)
    body = fake.issues[7]["body"]
    assert body.split("\n", 1) == [CLEAN_RESULT_MARKER, WRITEUP]
    assert fake.issues[7]["labels"] == ["experiment", DRAFT_LABEL]  # other labels kept
    assert [c.method for c in made] == ["POST", "PATCH", "POST"]
    # the original was saved before the body was replaced
    writes = [(r.method, r.path.rsplit("/", 1)[-1]) for r in fake.writes()]
    assert writes == [("POST", "comments"), ("PATCH", "7"), ("POST", "labels")]


def test_hundred_posts_and_lint_reports_leave_one_of_each(fake, make_client, tmp_path, sleeps):
    path = write(tmp_path, WRITEUP)
    client = make_client()
    # faults sprinkled over the run: rate limits, lost answers, server errors
    fake.fail("GET", r".*/issues/7", 429, headers={"X-RateLimit-Reset": "1000010"},
              body={"message": "API rate limit exceeded"}, times=3)
    fake.fail("POST", r".*/issues/7/comments", 502, body={"message": "Server Error"},
              after=True, times=2)  # the comment is created but the answer is lost
    fake.fail("PATCH", r".*/issues/7", 502, body={"message": "Server Error"}, times=2)
    for _ in range(100):
        post_once(client, path)
        post_lint_report(client, 7, "PG101 unbound number at 3:5", 1, linted_body=WRITEUP)
    assert fake.issues[7]["body"] == f"{CLEAN_RESULT_MARKER}\n{WRITEUP}"
    assert len(marked(fake, ORIGINAL_BODY_MARKER)) == 1
    assert len(marked(fake, LINT_MARKER)) == 1
    assert len(fake.comments_of(7)) == 2
    assert fake.issues[7]["labels"] == ["experiment", DRAFT_LABEL]
    assert all(f.times == 0 for f in fake.faults)  # every injected fault was really hit
    assert sleeps.calls == [11.0, 11.0, 11.0, 1.0, 2.0]  # 3 rate-limit waits, 2 back-offs


def test_same_body_twice_makes_no_write_call(fake, make_client, tmp_path):
    path = write(tmp_path, WRITEUP)
    client = make_client()
    post_once(client, path)
    n_writes = len(fake.writes())
    plan, made = post_once(client, path)
    assert made == [] and not plan.changes_anything and plan.diff() == ""
    assert len(fake.writes()) == n_writes


def test_changed_writeup_edits_in_place(fake, make_client, tmp_path):
    client = make_client()
    post_once(client, write(tmp_path, WRITEUP))
    _, made = post_once(client, write(tmp_path, WRITEUP + "\nA new paragraph.\n"))
    assert [c.method for c in made] == ["PATCH"]
    assert fake.issues[7]["body"].endswith("A new paragraph.\n")
    assert len(fake.comments_of(7)) == 1  # still only the original-body comment


def test_crlf_and_trailing_space_from_tracker_are_not_changes(fake, make_client, tmp_path):
    client = make_client()
    post_once(client, write(tmp_path, WRITEUP))
    fake.issues[7]["body"] = fake.issues[7]["body"].replace("\n", "\r\n") + "\r\n\r\n"
    _, made = post_once(client, write(tmp_path, WRITEUP))
    assert made == []


def test_empty_original_body_is_not_preserved(fake, make_client, tmp_path):
    fake.issues[7]["body"] = "  \n"
    post_once(make_client(), write(tmp_path, WRITEUP))
    assert fake.comments_of(7) == []


def test_existing_original_comment_is_not_duplicated(fake, make_client, tmp_path):
    fake.page_size = 2  # the kept original sits on the third page
    for i in range(4):
        fake.add_comment(7, f"discussion {i}")
    fake.add_comment(7, f"{ORIGINAL_BODY_MARKER}\nkept by an earlier, interrupted run")
    plan, _ = post_once(make_client(), write(tmp_path, WRITEUP))
    assert not plan.preserve_original
    assert len(marked(fake, ORIGINAL_BODY_MARKER)) == 1


def test_promoting_swaps_status_labels_only(fake, make_client, tmp_path):
    client = make_client()
    path = write(tmp_path, WRITEUP)
    post_once(client, path)
    _, made = post_once(client, path, labels=[PROMOTED_LABEL])
    assert fake.issues[7]["labels"] == ["experiment", PROMOTED_LABEL]
    assert [(c.method, c.path.rsplit("/", 1)[-1]) for c in made] == [
        ("POST", "labels"), ("DELETE", DRAFT_LABEL)]


def test_set_title(fake, make_client, tmp_path):
    text = "---\ntitle: Full SFT collapses geometry (LOW confidence)\n---\n" + WRITEUP
    wu = read_writeup(write(tmp_path, text))
    assert wu.body == WRITEUP  # front matter is not posted
    title = derive_title(wu, confidence="moderate")
    assert title == "Full SFT collapses geometry (MODERATE confidence)"
    plan, made = post_once(make_client(), write(tmp_path, text), title=title)
    assert fake.issues[7]["title"] == title
    assert "title:" in plan.diff()


@pytest.mark.parametrize("text, claim, level, expected", [
    ("# LoRA is not the culprit\n\n**Confidence: HIGH** — three seeds.\n", None, None,
     "LoRA is not the culprit (HIGH confidence)"),
    ("# LoRA is not the culprit (LOW confidence)\n", None, None,
     "LoRA is not the culprit (LOW confidence)"),
    ("```\n# not a heading\n```\n# Real claim.\n", None, "HIGH", "Real claim (HIGH confidence)"),
    ("no heading here\n", "Explicit claim", "LOW", "Explicit claim (LOW confidence)"),
])
def test_derive_title_sources(tmp_path, text, claim, level, expected):
    assert derive_title(read_writeup(write(tmp_path, text)), claim, level) == expected


def test_derive_title_without_claim_or_level_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="--claim"):
        derive_title(read_writeup(write(tmp_path, "no heading\n")))
    with pytest.raises(InputError, match="--confidence"):
        derive_title(read_writeup(write(tmp_path, "# A claim\n")))


def test_body_over_limit_is_refused_before_any_request(fake, make_client, tmp_path):
    room = 65_536 - len(CLEAN_RESULT_MARKER) - 1
    ok = write(tmp_path, "x" * room, "ok.md")
    assert len(read_writeup(ok).posted_body()) == 65_536  # exactly at the limit is fine
    too_long = write(tmp_path, "x" * (room + 1), "long.md")
    with pytest.raises(InputError, match="body to post has 65,537 characters.*at most 65,536"):
        read_writeup(too_long)
    assert fake.requests == []


def test_marker_already_in_file_is_not_doubled(tmp_path):
    wu = read_writeup(write(tmp_path, f"{CLEAN_RESULT_MARKER}\n{WRITEUP}"))
    assert wu.posted_body() == f"{CLEAN_RESULT_MARKER}\n{WRITEUP}"


def test_bad_front_matter_names_the_line(tmp_path):
    with pytest.raises(InputError, match=r"issue_7\.md:3.*front matter"):
        read_writeup(write(tmp_path, "---\ntitle: ok\nbad: a: b\n---\nbody\n"))


def test_lint_gate_refuses_and_lists_errors(tmp_path):
    wu = read_writeup(write(tmp_path, WRITEUP))
    errors = ["issue_7.md:4:1: PG101 0.111 contradicts /cells/x/delta = 0.095 (contradicted)"]
    with pytest.raises(LintGateError) as info:
        lint_gate(wu, [], force=False, lint=lambda body, results: errors)
    assert "1 lint error" in str(info.value) and errors[0] in str(info.value)
    assert lint_gate(wu, [], force=True, lint=lambda body, results: errors) == errors
    assert lint_gate(wu, [], force=False, lint=lambda body, results: []) == []


def test_lint_gate_passes_path_and_results_to_the_linter(tmp_path):
    seen = []
    wu = read_writeup(write(tmp_path, WRITEUP))
    lint_gate(wu, [Path("r.json")], force=False,
              lint=lambda body, results: seen.append((body, results)) or [])
    assert seen == [(wu.path, [Path("r.json")])]


def test_missing_linter_is_reported_not_skipped(tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "personageo.lint.engine", None)  # import fails
    from personageo.cli.report_post import lint_error_lines
    with pytest.raises(post.PersonageoError, match="--force"):
        lint_error_lines(Path("x.md"), [])


def test_real_linter_wiring_reports_errors_as_lines(tmp_path):
    path = write(tmp_path, "---\ntitle: A claim (HIGH confidence)\n---\n# Not a write-up\n\n"
                 "Just one paragraph of text, nothing the clean-result format asks for.\n")
    from personageo.cli.report_post import lint_error_lines
    errors = lint_error_lines(path, [])
    assert errors and all(isinstance(e, str) for e in errors)
    assert all(str(path) in e for e in errors)  # each names the file and a position


def test_real_published_body_posts_once(fake, make_client, reference_dir, tmp_path):
    text = (reference_dir / "bodies" / "issue_139_v2.md").read_text(encoding="utf-8")
    path = write(tmp_path, text)
    client = make_client()
    for _ in range(3):
        post_once(client, path)
    posted = fake.issues[7]["body"]
    assert posted.startswith(CLEAN_RESULT_MARKER + "\n") and len(posted) <= 65_536
    assert posted.split("\n", 1)[1] == read_writeup(path).body
    assert len(marked(fake, ORIGINAL_BODY_MARKER)) == 1
    title = derive_title(read_writeup(path))  # from the front matter's folded YAML title
    assert title.startswith("Emergent-misalignment SFT destroys persona-coupled markers")
    assert title.endswith("benign SFT decays gradually (MODERATE confidence)")
    assert "\n" not in title


def test_original_too_long_to_keep_stops_before_any_write(fake, make_client, tmp_path):
    fake.issues[7]["body"] = "o" * 65_500  # fits a body, not a body plus the comment's header
    with pytest.raises(InputError, match="comment keeping the original body.*at most 65,536"):
        post_once(make_client(), write(tmp_path, WRITEUP))
    assert fake.writes() == [] and fake.issues[7]["body"] == "o" * 65_500


def test_relative_images_are_refused_until_the_figures_are_pushed(tmp_path):
    body = tmp_path / "b.md"
    body.write_text("## Result\n\nSome text.\n\n![hero](../figures/issue_1/hero.png)\n")
    writeup = read_writeup(body)  # reading does not judge the links
    with pytest.raises(InputError, match="not in a git repository") as err:
        pin_writeup(writeup, PublishTarget(issue=1, repo="o/r"))
    assert f"{body}:5" in str(err.value)
    body.write_text("![hero](https://raw.githubusercontent.com/o/r/abc1234/f.png)\n")
    writeup = read_writeup(body)
    assert pin_writeup(writeup, PublishTarget(issue=1, repo="o/r")) == (writeup, [])
