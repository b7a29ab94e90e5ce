"""Malformed and hostile answers from the API, endless 202s, Retry-After dates, concurrent
first posts: every case ends in a clear GitHubError or in one converged state."""

from __future__ import annotations

import email.utils
import threading

import pytest

from personageo.report.github_client import (
    GitHubError,
    RetryPolicy,
    retry_after_seconds,
)
from personageo.report.post import ORIGINAL_BODY_MARKER, execute_plan, plan_post, read_writeup

from .conftest import ORIGINAL
from .test_post import WRITEUP, marked, write

ISSUE = "/api/v3/repos/acme/research/issues/7"
NOW = 1_000_000.0


@pytest.mark.parametrize("body", [
    b"<html>Sign in to continue</html>",  # a proxy's login page with status 200
    b"",
    b'["not", "an", "issue"]',
    b'"just a string"',
    b'{"title": {"nested": 1}, "body": 5, "labels": "x"}',
    b'{"title": "T", "body": "b", "labels": [{"name": ["x"]}], "created_at": "yesterday"}',
], ids=["html", "empty", "list", "string", "wrong-types", "wrong-nested"])
def test_malformed_200_answers_are_clear_errors(fake, make_client, body):
    fake.fail("GET", ISSUE, 200, body=body, times=10)
    with pytest.raises(GitHubError) as err:
        make_client().get_issue(7)
    assert "read issue #7" in str(err.value)


def test_malformed_comment_list_is_a_clear_error(fake, make_client):
    fake.fail("GET", ISSUE + "/comments", 200, body=b'{"message": "ok"}', times=10)
    with pytest.raises(GitHubError, match="list the comments"):
        make_client().list_comments(7)


def test_redirect_to_another_host_is_refused(fake, make_client, token):
    fake.fail("GET", ISSUE, 301, headers={"Location": "http://198.51.100.7/steal"}, times=10)
    with pytest.raises(GitHubError) as err:
        make_client().get_issue(7)
    assert "another host" in str(err.value) and token not in str(err.value)
    assert len(fake.requests) == 1


@pytest.mark.slow
def test_endless_202_gives_up_after_a_bounded_number_of_answers(fake, make_client):
    fake.fail("GET", ISSUE + "/comments", 202, body=b"", times=10_000)
    client = make_client(retry=RetryPolicy(max_processing=1))
    with pytest.raises(GitHubError, match="202"):
        client.list_comments(7)
    assert len(fake.requests) == 2  # PyGithub asks again once, then the guard stops it


def test_total_time_budget_stops_retries(fake, token, sleeps):
    from personageo.report.github_client import GitHubClient

    times = iter(range(0, 10_000, 50))
    client = GitHubClient(fake.full_name, token, api_url=fake.api_url, sleep=sleeps,
                          clock=lambda: float(next(times)), throttle=False,
                          retry=RetryPolicy(max_total=120.0, max_attempts=100))
    fake.fail("GET", ISSUE, 502, times=10_000)
    with pytest.raises(GitHubError, match="time budget"):
        client.get_issue(7)
    assert len(fake.requests) < 10


def test_retry_after_as_seconds_and_as_http_date(fake, make_client, sleeps):
    date = email.utils.formatdate(NOW + 30, usegmt=True)
    fake.fail("GET", ISSUE, 429, headers={"Retry-After": date})
    fake.fail("GET", ISSUE, 429, headers={"Retry-After": "7"})
    assert make_client().get_issue(7).number == 7
    assert sleeps.calls == [30.0, 7.0]
    assert retry_after_seconds(email.utils.formatdate(NOW - 5, usegmt=True), NOW) == 0.0
    assert retry_after_seconds("soon", NOW) is None and retry_after_seconds("inf", NOW) is None


def test_four_concurrent_first_posts_leave_one_original_comment(fake, make_client, tmp_path):
    path = write(tmp_path, WRITEUP)
    clients = [make_client() for _ in range(4)]
    plans = [plan_post(c, 7, read_writeup(path)) for c in clients]
    assert all(p.preserve_original for p in plans)
    everyone_listed = threading.Barrier(4, timeout=60)
    for c in clients:  # all four list (none kept yet) before any of them creates
        real = c.create_comment

        def create(number, body, real=real):
            everyone_listed.wait()
            return real(number, body)

        c.create_comment = create
    errors: list[BaseException] = []

    def post(client, plan):
        try:
            execute_plan(client, plan)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=post, args=cp) for cp in zip(clients, plans, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    kept = marked(fake, ORIGINAL_BODY_MARKER)
    assert len(kept) == 1 and kept[0]["body"].endswith(ORIGINAL)
    assert sum(r.method == "POST" and r.path.endswith("/comments") for r in fake.requests) == 4
    assert sum(r.method == "DELETE" for r in fake.requests) == 3
