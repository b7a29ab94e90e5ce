"""GitHubClient against the local fake: rate limits, bounded retries, clear HTTP errors."""

from __future__ import annotations

import socket

import pytest

from personageo.errors import InputError
from personageo.report.github_client import (
    GitHubClient,
    GitHubError,
    RetryPolicy,
    TransientGitHubError,
    redact,
    resolve_token,
)

ISSUE = r"/api/v3/repos/acme/research/issues/7"
COMMENTS = ISSUE + "/comments"
NOW = 1_000_000.0  # the clients' fixed clock (conftest)


def test_base_url_prefix_and_token_are_used(fake, make_client, token):
    issue = make_client().get_issue(7)
    assert issue.body.startswith("Plan:")
    assert issue.labels == ("experiment",)
    req = fake.requests[-1]
    assert req.path == ISSUE  # the /api/v3 prefix of the configured base URL was kept
    assert req.authorization == f"token {token}"


def test_429_waits_until_reset_then_succeeds(fake, make_client, sleeps):
    fake.fail("GET", ISSUE, 429, headers={"X-RateLimit-Remaining": "0",
                                          "X-RateLimit-Reset": str(int(NOW) + 30)},
              body={"message": "API rate limit exceeded for installation"})
    assert make_client().get_issue(7).number == 7
    assert sleeps.calls == [31.0]  # reset - now, plus one second of margin
    assert [r.method for r in fake.requests] == ["GET", "GET"]


def test_403_with_remaining_zero_is_a_rate_limit(fake, make_client, sleeps):
    fake.fail("GET", ISSUE, 403, headers={"X-RateLimit-Remaining": "0",
                                          "X-RateLimit-Reset": str(int(NOW) + 5)},
              body={"message": "API rate limit exceeded"})
    make_client().get_issue(7)
    assert sleeps.calls == [6.0]


def test_retry_after_header_wins(fake, make_client, sleeps):
    fake.fail("PATCH", ISSUE, 403, headers={"Retry-After": "7"},
              body={"message": "You have exceeded a secondary rate limit"})
    make_client().edit_issue(7, body="new")
    assert sleeps.calls == [7.0]
    assert fake.issues[7]["body"] == "new"


def test_reset_beyond_max_wait_is_an_error_without_sleeping(fake, make_client, sleeps):
    fake.fail("GET", ISSUE, 429, headers={"X-RateLimit-Reset": str(int(NOW) + 3600)},
              body={"message": "API rate limit exceeded"})
    with pytest.raises(GitHubError, match=r"resets in 3601 s.*longer than the 60 s"):
        make_client(retry=RetryPolicy(max_wait=60)).get_issue(7)
    assert sleeps.calls == []


def test_rate_limit_waits_are_bounded(fake, make_client, sleeps):
    fake.fail("GET", ISSUE, 429, headers={"Retry-After": "1"},
              body={"message": "API rate limit exceeded"}, times=100)
    with pytest.raises(GitHubError, match="still rate limited after 2 waits"):
        make_client(retry=RetryPolicy(max_rate_limit_waits=2)).get_issue(7)
    assert sleeps.calls == [1.0, 1.0]


def test_502_is_retried_with_backoff_then_succeeds(fake, make_client, sleeps):
    fake.fail("GET", ISSUE, 502, body={"message": "Server Error"}, times=2)
    make_client().get_issue(7)
    assert sleeps.calls == [1.0, 2.0]


def test_5xx_retries_are_bounded(fake, make_client, sleeps):
    fake.fail("GET", ISSUE, 502, body={"message": "Server Error"}, times=100)
    with pytest.raises(GitHubError, match="GitHub answered 502") as info:
        make_client(retry=RetryPolicy(max_attempts=3)).get_issue(7)
    assert info.value.status == 502
    assert len(fake.requests) == 3 and sleeps.calls == [1.0, 2.0]


def test_comment_creation_is_not_blindly_retried(fake, make_client, sleeps):
    fake.fail("POST", COMMENTS, 502, body={"message": "Server Error"}, after=True)
    with pytest.raises(TransientGitHubError):
        make_client().create_comment(7, "hello")
    assert [r.method for r in fake.requests] == ["POST"]  # one POST; it did land server-side
    assert len(fake.comments_of(7)) == 1


@pytest.mark.parametrize("status, body, pattern", [
    (401, {"message": "Bad credentials"}, r"rejected the token \(401\)"),
    (403, {"message": "Resource not accessible by integration"},
     r"forbidden \(403\).*Resource not accessible"),
    (404, {"message": "Not Found"}, r"not found \(404\) while trying to read issue #7"),
    (422, {"message": "Validation Failed", "errors": [
        {"resource": "Issue", "code": "custom", "field": "body",
         "message": "body is too long (maximum is 65536 characters)"}]},
     r"invalid \(422\).*Validation Failed; code=custom, field=body, message=body is too long"),
])
def test_client_errors_have_clear_messages(fake, make_client, sleeps, status, body, pattern):
    fake.fail("GET", ISSUE, status, body=body)
    with pytest.raises(GitHubError, match=pattern) as info:
        make_client().get_issue(7)
    assert info.value.status == status
    assert info.value.hint  # says what to check
    assert sleeps.calls == [] and len(fake.requests) == 1  # not retried


def test_unknown_issue_is_404(fake, make_client):
    with pytest.raises(GitHubError, match=r"404.*issue #99.*acme/research"):
        make_client().get_issue(99)


def test_unreachable_server_is_retried_then_reported(sleeps):
    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = GitHubClient("acme/research", "t0k", api_url=f"http://127.0.0.1:{port}",
                          sleep=sleeps, throttle=False, timeout=2,
                          retry=RetryPolicy(max_attempts=2))
    with pytest.raises(GitHubError, match=r"cannot reach the GitHub API at http://127\.0\.0\.1"):
        client.get_issue(7)
    assert sleeps.calls == [1.0]


def test_comment_pages_are_all_read(fake, make_client):
    fake.page_size = 3
    for i in range(8):
        fake.add_comment(7, f"comment {i}")
    bodies = [c.body for c in make_client().list_comments(7)]
    assert bodies == [f"comment {i}" for i in range(8)]
    assert sum(r.path == COMMENTS for r in fake.requests) == 3


def test_removing_an_absent_label_is_not_an_error(fake, make_client):
    make_client().remove_label(7, "clean-results:draft")
    assert fake.requests[-1].method == "DELETE"


def test_resolve_token_order_and_messages():
    assert resolve_token(None, {"GITHUB_TOKEN": "a", "GH_TOKEN": "b"}) == "a"
    assert resolve_token(None, {"GH_TOKEN": "b"}) == "b"
    assert resolve_token("MY_TOK", {"MY_TOK": "c", "GITHUB_TOKEN": "a"}) == "c"
    with pytest.raises(InputError, match=r"\$MY_TOK is not set"):
        resolve_token("MY_TOK", {"GITHUB_TOKEN": "a"})
    with pytest.raises(InputError, match=r"\$GITHUB_TOKEN or \$GH_TOKEN"):
        resolve_token(None, {"GITHUB_TOKEN": "  "})


def test_redact_replaces_plain_and_quoted_forms():
    assert redact("a s/e+c b s%2Fe%2Bc", ["s/e+c"]) == "a *** b ***"


@pytest.mark.parametrize("repo", ["acme", "acme/", "/x", "a/b/c", "a b/c"])
def test_bad_repo_names_are_input_errors(repo):
    with pytest.raises(InputError, match="OWNER/NAME"):
        GitHubClient(repo, None, throttle=False)
