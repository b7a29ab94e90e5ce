"""The token never appears in stdout, stderr or any log record, success or failure, --verbose on."""

from __future__ import annotations

import logging

import github  # noqa: F401  (imported first: importing it resets its logger to INFO)
import pytest

from personageo.cli.main import main
from personageo.report.github_client import GitHubError

from .test_post import WRITEUP


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)  # root: urllib3's DEBUG records included
    caplog.set_level(logging.DEBUG, logger="github")  # PyGithub pins its logger at INFO
    return caplog


def run(fake, capfd, *args: str) -> tuple[int, str]:
    argv = [args[0], "--repo", fake.full_name, "--issue", "7", "--api-url", fake.api_url,
            "--verbose", *args[1:]]
    code = main(["report", *argv])
    out, err = capfd.readouterr()
    return code, out + err


def all_logged(caplog) -> str:
    # the HTTP traffic, response bodies included, really was logged (else the check is vacuous)
    assert any(r.name == "github.Requester" for r in caplog.records)
    return "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


def assert_secret(token: str, *texts: str) -> None:
    for text in texts:
        assert token not in text
        assert token[4:] not in text  # not even without its prefix


def test_success_path_with_verbose(cli_env, capfd, debug_logs, tmp_path, token):
    body = tmp_path / "b.md"
    body.write_text(WRITEUP)
    code, output = run(cli_env, capfd, "post", str(body))
    assert code == 0
    # the token was really used, and the logs really captured the HTTP traffic
    assert cli_env.requests[0].authorization == f"token {token}"
    assert any(r.name.startswith("github") for r in debug_logs.records)
    assert_secret(token, output, all_logged(debug_logs))


@pytest.mark.parametrize("status", [401, 403, 422])
def test_error_that_echoes_the_token_is_redacted(cli_env, capfd, debug_logs, tmp_path, token,
                                                 status):
    # a hostile or buggy server puts the credential into its error message
    cli_env.fail("PATCH", r".*/issues/7", status,
                 body={"message": f"rejected credential token {token}",
                       "errors": [{"code": "invalid", "field": "auth", "value": token}]})
    body = tmp_path / "b.md"
    body.write_text(WRITEUP)
    code, output = run(cli_env, capfd, "post", str(body))
    assert code == 2 and f"({status})" in output and "rejected credential token ***" in output
    assert_secret(token, output, all_logged(debug_logs))


def test_exhausted_retries_and_rate_limit_paths(cli_env, capfd, debug_logs, tmp_path, token):
    cli_env.fail("GET", r".*/issues/7", 502, body={"message": f"upstream saw {token}"}, times=99)
    body = tmp_path / "b.md"
    body.write_text(WRITEUP)
    code, output = run(cli_env, capfd, "post", str(body))
    assert code == 2 and "502" in output
    cli_env.faults.clear()
    cli_env.fail("GET", r".*/issues/7", 429, headers={"X-RateLimit-Reset": "9999999999"},
                 body={"message": f"API rate limit exceeded for {token}"})
    code, output2 = run(cli_env, capfd, "post", str(body), "--max-wait", "5")
    assert code == 2 and "rate limited" in output2
    assert_secret(token, output, output2, all_logged(debug_logs))


def test_lint_comment_step_keeps_the_token_secret(cli_env, capfd, debug_logs, tmp_path, token):
    report = tmp_path / "r.txt"
    report.write_text(f"a report that, by accident, quotes {token}\n")
    cli_env.fail("GET", r".*/issues/7/comments", 404, body={"message": f"Not Found {token}"})
    code, output = run(cli_env, capfd, "lint-comment", "--report", str(report), "--exit-code",
                       "1")
    assert code == 2 and "not found (404)" in output
    assert_secret(token, output, all_logged(debug_logs))


def test_raised_error_text_and_chain_are_clean(make_client, fake, token):
    fake.fail("GET", r".*/issues/7", 401, body={"message": f"Bad credentials {token}"})
    with pytest.raises(GitHubError) as info:
        make_client().get_issue(7)
    err = info.value
    assert_secret(token, str(err), repr(err.args))
    assert err.__cause__ is None and err.__suppress_context__  # PyGithub's exception dropped


def test_unexpected_exception_carrying_the_token_is_scrubbed(make_client, token):
    client = make_client()

    def boom():
        raise RuntimeError(f"library bug, header was token {token}")

    with pytest.raises(GitHubError) as info:
        client._call("do something", boom)
    assert_secret(token, str(info.value))
    assert info.value.__cause__ is None and info.value.__suppress_context__

    def plain_bug():
        raise KeyError("no token in here")

    with pytest.raises(KeyError):  # other bugs surface unchanged
        client._call("do something", plain_bug)
