"""A wall-clock budget for work on other people's input (template rendering, markdown parsing).

Some work on hostile input is superlinear inside libraries we do not control (markdown-it's
link-label scan over thousands of ``[``, a template's nested loops), so each such stage runs
under :func:`time_limit`, which raises the caller's located error instead of hanging.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def time_limit(seconds: float, error: Callable[[], BaseException]) -> Iterator[None]:
    """Raise ``error()`` inside the block once ``seconds`` have passed.

    Uses ``SIGALRM``, so it acts only in the main thread of a POSIX process (elsewhere the
    block runs unbounded). An enclosing limit keeps running: its remaining time is restored on
    exit, and an inner limit never extends it.
    """
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "setitimer"):
        yield
        return
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_left and outer_left < seconds:
        yield  # the enclosing limit expires first and is left in charge
        return

    def expire(signum, frame):
        raise error()

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:
            left = outer_left - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))
