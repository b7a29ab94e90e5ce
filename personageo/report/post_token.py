"""The API token: where it comes from, and how it is kept out of every log line and error.

The token is read from an environment variable (``$GITHUB_TOKEN``, ``$GH_TOKEN`` or the one named
by ``--token-env``), never from a flag value (flags end up in shell history and process lists).
Once read it is registered with one logging filter that rewrites any record containing it, on the
loggers the posting code touches (``personageo``, PyGithub's ``github.Requester``, ``urllib3``;
a filter on a logger sees the records created there) and on the CLI's handler.
:func:`redact` scrubs error texts before they are raised.
"""

from __future__ import annotations

import logging
import os
import urllib.parse
from collections.abc import Iterable

from personageo.errors import InputError

#: environment variables searched for a token when ``--token-env`` is not given, in order
TOKEN_ENV_VARS = ("GITHUB_TOKEN", "GH_TOKEN")
REDACTED = "***"
_LOGGERS_TO_REDACT = ("personageo", "personageo.report.github", "github", "github.Requester",
                      "urllib3", "urllib3.connectionpool")


class _RedactingFilter(logging.Filter):
    """Replaces every registered secret in a log record's rendered message by ``***``."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            try:
                text = record.getMessage()
            except Exception:  # pragma: no cover - a broken format string; leave it alone
                return True
            clean = redact(text, self.secrets)
            if clean != text:
                record.msg, record.args = clean, None
        return True


_FILTER = _RedactingFilter()
#: add to a log handler to redact every registered secret from what it writes
REDACTING_FILTER: logging.Filter = _FILTER


def register_secret(secret: str) -> None:
    """Redact ``secret`` from all later log records of the loggers this module touches."""
    if not secret:
        return
    _FILTER.secrets.add(secret)
    for name in _LOGGERS_TO_REDACT:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each secret (and its URL-quoted form) replaced by ``***``."""
    for s in secrets:
        if s:
            text = text.replace(s, REDACTED).replace(urllib.parse.quote(s, safe=""), REDACTED)
    return text


def resolve_token(token_env: str | None = None, environ: dict[str, str] | None = None) -> str:
    """The API token from ``$token_env``, else ``$GITHUB_TOKEN``, else ``$GH_TOKEN``.

    Raises
    ------
    InputError
        When the variable is unset or empty. The message names the variable, never a value.
    """
    env = os.environ if environ is None else environ
    names = (token_env,) if token_env else TOKEN_ENV_VARS
    for name in names:
        value = env.get(name, "").strip()
        if value:
            register_secret(value)
            return value
    wanted = f"${token_env}" if token_env else " or ".join(f"${n}" for n in TOKEN_ENV_VARS)
    raise InputError(
        f"no GitHub token: {wanted} is not set",
        hint="export a token with the 'issues: write' permission, or pass --token-env NAME "
        "naming the variable that holds it (the token itself is never passed as a flag)",
    )
