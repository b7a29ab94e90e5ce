"""Per-call limits on what PyGithub does below :class:`~personageo.report.github_client.GitHubClient`.

PyGithub answers a 202 ("still processing") to a GET by sleeping 2 s and asking again, without
end, and follows or refuses redirects with a bare ``RuntimeError``. Its connection classes are
the one place that sees every response, so :func:`install` registers subclasses that report
each status to the :class:`CallGuard` of the call in progress (a thread-local set by
:meth:`GitHubClient._call`): too many 202s, a call past its deadline, or a redirect to another
host raise :class:`CallRefused`, which the client turns into a clear error.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_current = threading.local()
_installed = False
_install_lock = threading.Lock()


class CallRefused(Exception):
    """The answer broke a limit of the call in progress (the message says which)."""


class CallGuard:
    """Limits of one client call: 202 answers, total time, the host answers may come from."""

    def __init__(self, host: str | None, deadline: float, clock: Callable[[], float],
                 max_processing: int) -> None:
        self.host, self.deadline, self.clock = host, deadline, clock
        self.max_processing = max_processing
        self.processing = 0

    def check(self, status: int, headers: dict) -> None:
        if self.clock() > self.deadline:
            raise CallRefused("the time budget of this command ran out (--max-wait)")
        if status == 202:
            self.processing += 1
            if self.processing > self.max_processing:
                raise CallRefused(f"GitHub answered 202 (still processing) {self.processing} "
                                  "times in a row")
        if 300 <= status < 400:
            location = {str(k).lower(): v for k, v in headers.items()}.get("location", "")
            host = urllib.parse.urlsplit(location).hostname
            if host and host != self.host:
                raise CallRefused(f"GitHub redirected to another host ({host}); refusing to "
                                  "follow it with the token")


@contextmanager
def guarded(guard: CallGuard) -> Iterator[None]:
    previous = getattr(_current, "guard", None)
    _current.guard = guard
    try:
        yield
    finally:
        _current.guard = previous


def _report(response) -> None:
    guard = getattr(_current, "guard", None)
    if guard is not None:
        guard.check(response.status, dict(response.getheaders() or []))


def install(github) -> None:
    """Register the reporting connection classes with PyGithub (once per process)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        req = github.Requester

        class Http(req.HTTPRequestsConnectionClass):
            def getresponse(self):
                response = super().getresponse()
                _report(response)
                return response

        class Https(req.HTTPSRequestsConnectionClass):
            def getresponse(self):
                response = super().getresponse()
                _report(response)
                return response

        req.Requester.injectConnectionClasses(Http, Https)
        _installed = True
