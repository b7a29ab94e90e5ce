"""A small, safe wrapper over PyGithub for the few issue endpoints ``report post`` uses.

What it adds to the library:

- **The token never leaks.** It is resolved from an environment variable (never a flag value),
  registered with a logging filter that redacts it from every record of the loggers involved
  (``personageo``, ``github``, ``urllib3``), and scrubbed from the text of every error raised.
- **Bounded waiting.** Rate limits (429, or 403 with ``X-RateLimit-Remaining: 0`` /
  ``Retry-After`` / a rate-limit message) wait for ``Retry-After`` or ``X-RateLimit-Reset``, but
  never longer than :attr:`RetryPolicy.max_wait` per wait; 5xx and connection errors are retried a
  bounded number of times with exponential back-off. ``sleep`` and ``clock`` are injectable.
- **Clear messages** for 401, 403, 404 and 422 that say what was being done and what to check.

PyGithub's own retry layer is switched off (``retry=None``) so that all waiting goes through the
injectable ``sleep``; non-idempotent calls (creating a comment) are never retried here, because a
5xx may hide a success: callers re-read and decide (see :func:`personageo.report.post_comments`).
"""

from __future__ import annotations

import email.utils
import logging
import math
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from personageo.errors import InputError, PersonageoError, require
from personageo.files import parse_repo
from personageo.report import github_guard
from personageo.report.post_token import (  # noqa: F401  (re-exported)
    REDACTING_FILTER,
    TOKEN_ENV_VARS,
    redact,
    register_secret,
    resolve_token,
)

log = logging.getLogger("personageo.report.github")

DEFAULT_API_URL = "https://api.github.com"

T = TypeVar("T")


class GitHubError(PersonageoError):
    """A GitHub API call failed; ``status`` is the HTTP status (``None`` for network errors)."""

    def __init__(self, message: str, status: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class TransientGitHubError(GitHubError):
    """A 5xx or network failure on a call that must not be blindly retried (e.g. a POST)."""


# --------------------------------------------------------------------------- policy + values


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to wait before giving up.

    Attributes
    ----------
    max_attempts : int
        Tries per idempotent call for 5xx and network errors (first try included).
    backoff : float
        First back-off in seconds; doubled after each retry (1, 2, 4 ... by default).
    max_wait : float
        Longest single rate-limit wait in seconds; a later reset is reported as an error.
    max_rate_limit_waits : int
        How many rate-limit waits one call may make before giving up.
    max_total : float
        Time budget of the whole client (one command) in seconds: no wait is started that
        would end after it, and a call still running past it is stopped.
    max_processing : int
        How many 202 ("still processing") answers one call accepts before giving up.
    """

    max_attempts: int = 4
    backoff: float = 1.0
    max_wait: float = 120.0
    max_rate_limit_waits: int = 3
    max_total: float = 600.0
    max_processing: int = 5


@dataclass(frozen=True)
class IssueSnapshot:
    """The fields of an issue that posting reads."""

    number: int
    title: str
    body: str
    labels: tuple[str, ...]
    created_at: str | None
    html_url: str | None


@dataclass(frozen=True)
class CommentSnapshot:
    """One issue comment."""

    id: int
    body: str
    html_url: str | None


# --------------------------------------------------------------------------- client


class GitHubClient:
    """Issue, comment and label calls on one repository, with retries and redaction.

    Parameters
    ----------
    repo : str
        ``OWNER/NAME``.
    token : str or None
        API token; ``None`` makes anonymous calls (read-only use such as ``--dry-run``).
    api_url : str
        REST API root, e.g. ``https://api.github.com`` or ``https://ghe.example.com/api/v3``.
    retry : RetryPolicy
        Waiting limits.
    sleep, clock : callable
        Injected in tests (``time.sleep`` and ``time.time`` by default).
    throttle : bool
        Keep PyGithub's spacing between requests (0.25 s, 1 s between writes), which GitHub's
        secondary-rate-limit guidance asks for. Tests switch it off.
    timeout : int
        Socket timeout per request, in seconds.
    """

    def __init__(
        self,
        repo: str,
        token: str | None,
        *,
        api_url: str = DEFAULT_API_URL,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        throttle: bool = True,
        timeout: int = 15,
    ) -> None:
        self.repo_name = validate_repo(repo)
        self.api_url = api_url.rstrip("/")
        self.retry, self._sleep, self._clock = retry, sleep, clock
        self._deadline = clock() + retry.max_total
        self._secrets = {token} if token else set()
        if token:
            register_secret(token)
        github = require("github", extra="github")
        github_guard.install(github)
        kwargs: dict[str, Any] = dict(
            base_url=self.api_url, timeout=timeout, retry=None, lazy=True,
            user_agent="personageo-report-post",
        )
        if token:
            kwargs["auth"] = github.Auth.Token(token)
        if not throttle:
            kwargs.update(seconds_between_requests=None, seconds_between_writes=None)
        self._gh = github.Github(**kwargs)
        self._repo = self._gh.get_repo(self.repo_name)
        self._comments: dict[int, Any] = {}

    # -- reads ------------------------------------------------------------------------------

    def get_issue(self, number: int) -> IssueSnapshot:
        """GET the issue (fresh every time)."""

        def fetch() -> IssueSnapshot:
            issue = self._repo.get_issue(number)
            return IssueSnapshot(
                number=number,
                title=issue.title or "",
                body=issue.body or "",
                labels=tuple(lb.name for lb in issue.labels),
                created_at=issue.created_at.isoformat() if issue.created_at else None,
                html_url=issue.html_url,
            )

        return self._call(f"read issue #{number}", fetch)

    def list_comments(self, number: int) -> list[CommentSnapshot]:
        """All comments of the issue, oldest first (every page)."""

        def fetch() -> list[CommentSnapshot]:
            objs = list(self._repo.get_issue(number).get_comments())
            self._comments.update({c.id: c for c in objs})
            return [CommentSnapshot(c.id, c.body or "", c.html_url) for c in objs]

        return self._call(f"list the comments of issue #{number}", fetch)

    # -- writes -----------------------------------------------------------------------------

    def edit_issue(self, number: int, *, body: str | None = None,
                   title: str | None = None) -> None:
        """PATCH the issue's body and/or title (idempotent, so retried)."""
        fields: dict[str, str] = {}
        if body is not None:
            fields["body"] = body
        if title is not None:
            fields["title"] = title
        if fields:
            self._call(f"edit issue #{number} ({', '.join(fields)})",
                       lambda: self._repo.get_issue(number).edit(**fields))

    def create_comment(self, number: int, body: str) -> CommentSnapshot:
        """POST a new comment. Not retried on 5xx (raises :class:`TransientGitHubError`)."""

        def post() -> CommentSnapshot:
            c = self._repo.get_issue(number).create_comment(body)
            self._comments[c.id] = c
            return CommentSnapshot(c.id, c.body or "", c.html_url)

        return self._call(f"comment on issue #{number}", post, idempotent=False)

    def edit_comment(self, comment_id: int, body: str) -> None:
        """PATCH a comment listed earlier by :meth:`list_comments`."""
        self._call(f"edit comment {comment_id}",
                   lambda: self._comment(comment_id).edit(body))

    def delete_comment(self, comment_id: int) -> None:
        """DELETE a comment listed earlier by :meth:`list_comments`."""
        self._call(f"delete comment {comment_id}", lambda: self._comment(comment_id).delete())

    def add_labels(self, number: int, labels: Iterable[str]) -> None:
        """POST labels to the issue (labels already there are kept)."""
        labels = list(labels)
        if labels:
            self._call(f"add labels {labels} to issue #{number}",
                       lambda: self._repo.get_issue(number).add_to_labels(*labels))

    def remove_label(self, number: int, label: str) -> None:
        """DELETE one label from the issue; a label already gone is not an error."""
        github = require("github", extra="github")

        def delete() -> None:
            try:
                self._repo.get_issue(number).remove_from_labels(label)
            except github.GithubException as exc:
                if exc.status != 404:  # GitHub answers 404 "Label does not exist"
                    raise
                log.debug("label %r was already absent from issue #%d", label, number)

        self._call(f"remove label {label!r} from issue #{number}", delete)

    def _comment(self, comment_id: int) -> Any:
        if comment_id not in self._comments:
            raise KeyError(f"comment {comment_id} was not listed by this client")
        return self._comments[comment_id]

    # -- the retry loop -----------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[[], T], *, idempotent: bool = True) -> T:
        """Run ``fn`` (PyGithub calls), retrying within the policy; map failures to errors."""
        github = require("github", extra="github")
        requests = require("requests", extra="github")
        attempt, waits = 0, 0
        guard = github_guard.CallGuard(urllib.parse.urlsplit(self.api_url).hostname,
                                       self._deadline, self._clock, self.retry.max_processing)
        while True:
            attempt += 1
            try:
                log.debug("%s (try %d)", what, attempt)
                with github_guard.guarded(guard):
                    return fn()
            except github_guard.CallRefused as exc:
                cls = GitHubError if idempotent else TransientGitHubError
                raise cls(self._scrub(f"gave up trying to {what}: {exc}")) from None
            except (github.BadAttributeException, TypeError, ValueError) as exc:
                raise self._malformed(what, exc) from None  # JSON of the wrong shape
            except github.GithubException as exc:
                status, headers = exc.status, _lower_keys(exc.headers)
                wait = self._rate_limit_wait(exc, status, headers)
                if wait is not None:
                    waits += 1
                    if wait > self.retry.max_wait or waits > self.retry.max_rate_limit_waits:
                        raise self._rate_limit_error(what, wait, waits) from None
                    self._check_budget(what, wait)
                    log.warning("rate limited while trying to %s; waiting %.0f s", what, wait)
                    self._sleep(wait)
                    attempt -= 1  # a rate-limit wait is not a failed attempt
                    continue
                if status is not None and status >= 500:
                    if not idempotent:
                        raise TransientGitHubError(
                            self._scrub(f"GitHub answered {status} while trying to {what}"),
                            status) from None
                    if attempt < self.retry.max_attempts:
                        self._backoff(what, f"HTTP {status}", attempt)
                        continue
                raise self._http_error(what, exc) from None
            except requests.exceptions.RequestException as exc:
                if idempotent and attempt < self.retry.max_attempts:
                    self._backoff(what, type(exc).__name__, attempt)
                    continue
                cls = GitHubError if idempotent else TransientGitHubError
                raise cls(self._scrub(f"cannot reach the GitHub API at {self.api_url} to {what}: "
                                      f"{type(exc).__name__}: {exc}")) from None
            except RuntimeError as exc:  # PyGithub's refusal of a redirect, among others
                raise GitHubError(self._scrub(f"unexpected answer while trying to {what}: "
                                              f"{exc}")) from None
            except Exception as exc:  # anything unforeseen: never let it carry the token out
                text = f"{type(exc).__name__}: {exc}"
                if self._scrub(text) != text:
                    raise GitHubError(f"unexpected error while trying to {what}: "
                                      f"{self._scrub(text)}") from None
                raise

    def _malformed(self, what: str, exc: Exception) -> GitHubError:
        return GitHubError(self._scrub(
            f"GitHub's answer is not the JSON this call expects while trying to {what} "
            f"({type(exc).__name__}: {str(exc)[:200]})"),
            hint="check --api-url: it must be the REST API root (e.g. https://api.github.com)")

    def _check_budget(self, what: str, wait: float) -> None:
        if self._clock() + wait > self._deadline:
            raise GitHubError(f"waiting {wait:.0f} s more to {what} would exceed this "
                              f"command's time budget of {self.retry.max_total:.0f} s",
                              hint="run it again later")

    def _backoff(self, what: str, why: str, attempt: int) -> None:
        delay = self.retry.backoff * 2 ** (attempt - 1)
        self._check_budget(what, delay)
        log.warning("%s while trying to %s; retrying in %.0f s", why, what, delay)
        self._sleep(delay)

    def _rate_limit_wait(self, exc: Any, status: int | None,
                         headers: dict[str, str]) -> float | None:
        """Seconds to wait if ``exc`` is a rate limit, else ``None``."""
        github = require("github", extra="github")
        limited = status == 429 or (status == 403 and (
            headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers
            or isinstance(exc, github.RateLimitExceededException)))
        if not limited:
            return None
        if "retry-after" in headers:
            seconds = retry_after_seconds(headers["retry-after"], self._clock())
            if seconds is not None:
                return seconds
        if "x-ratelimit-reset" in headers:
            try:
                return max(float(headers["x-ratelimit-reset"]) - self._clock(), 0.0) + 1.0
            except ValueError:
                pass
        return 60.0  # GitHub: "wait at least one minute" when no header says how long

    def _rate_limit_error(self, what: str, wait: float, waits: int) -> GitHubError:
        if waits > self.retry.max_rate_limit_waits:
            msg = f"still rate limited after {waits - 1} waits while trying to {what}"
        else:
            msg = (f"rate limited while trying to {what}: the limit resets in {wait:.0f} s, "
                   f"longer than the {self.retry.max_wait:.0f} s this command may wait")
        return GitHubError(msg, 429, hint="run it again later, or raise --max-wait")

    def _http_error(self, what: str, exc: Any) -> GitHubError:
        status = exc.status
        detail = _server_message(exc.data)
        where = f"{self.repo_name} at {self.api_url}"
        if status == 401:
            msg, hint = (f"GitHub rejected the token (401) while trying to {what} on {where}",
                         "check that the token variable holds a valid, unexpired token for "
                         "this GitHub host (--api-url)")
        elif status == 403:
            msg, hint = (f"forbidden (403) while trying to {what} on {where}",
                         "the token needs write access to issues ('issues: write' for a "
                         "fine-grained token or GITHUB_TOKEN, 'repo' scope for a classic one)")
        elif status == 404:
            msg, hint = (f"not found (404) while trying to {what} on {where}",
                         "check --repo OWNER/NAME and --issue; a private repository also "
                         "answers 404 to a token that cannot see it")
        elif status == 422:
            msg, hint = (f"GitHub refused the request as invalid (422) while trying to {what}",
                         "the message above says which field; label names and bodies over "
                         "65,536 characters are the usual causes")
        else:
            msg, hint = (f"GitHub answered {status} while trying to {what} on {where}", None)
        if detail:
            msg += f": {detail}"
        return GitHubError(self._scrub(msg), status, hint=hint)

    def _scrub(self, text: str) -> str:
        return redact(text, self._secrets)


def validate_repo(repo: str) -> str:
    """Check ``OWNER/NAME`` (GitHub's characters, no ``..``); raise :class:`InputError`
    otherwise."""
    if parse_repo(repo) is None:
        raise InputError(f"--repo must be OWNER/NAME, got {repo!r}")
    return repo


def retry_after_seconds(value: str, now: float) -> float | None:
    """``Retry-After`` as delay-seconds or as an HTTP date (RFC 9110), in seconds from ``now``;
    None when it is neither."""
    text = str(value).strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None or when.tzinfo is None:
            return None
        seconds = when.timestamp() - now
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _lower_keys(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (headers or {}).items()}


def _server_message(data: Any) -> str:
    """The server's ``message`` plus any ``errors[].message``/``code`` (GitHub's 422 shape)."""
    if not isinstance(data, dict):
        return str(data) if data else ""
    parts = [str(data.get("message") or "")]
    for err in data.get("errors") or []:
        if isinstance(err, dict):
            parts.append(", ".join(f"{k}={v}" for k, v in err.items() if k != "resource"))
        else:
            parts.append(str(err))
    return "; ".join(p for p in parts if p)
