"""Fixtures: a started fake GitHub server, a secret token, and clients that never really sleep."""

from __future__ import annotations

import secrets

import pytest

from personageo.cli import report_post
from personageo.report.github_client import GitHubClient, RetryPolicy

from .fake_github import FakeGitHub

ORIGINAL = "Plan: fine-tune Qwen and measure persona geometry.\n\n- [ ] run it\n"


class SleepRecorder:
    """A no-op ``sleep`` that remembers what it was asked to wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def token() -> str:
    return "ghp_" + secrets.token_hex(16)


@pytest.fixture
def fake(token):
    server = FakeGitHub(token).start()
    server.add_issue(7, "Full-param SFT vs LoRA", ORIGINAL, labels=["experiment"])
    yield server
    server.stop()


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_client(fake, token, sleeps):
    def make(**kw) -> GitHubClient:
        kw.setdefault("retry", RetryPolicy(max_wait=120.0))
        return GitHubClient(fake.full_name, kw.pop("token", token), api_url=fake.api_url,
                            sleep=sleeps, clock=lambda: 1_000_000.0, throttle=False, **kw)
    return make


@pytest.fixture
def cli_env(monkeypatch, fake, token, sleeps):
    """Environment for CLI tests: token in $GITHUB_TOKEN, no real sleeping, clean lint."""
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_API_URL", raising=False)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", token)
    monkeypatch.setattr(report_post, "CLIENT_OPTIONS",
                        {"sleep": sleeps, "clock": lambda: 1_000_000.0, "throttle": False})
    monkeypatch.setattr("personageo.cli.report_post.lint_error_lines", lambda body, results: [])
    return fake
