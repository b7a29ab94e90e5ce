"""Progress of long stages, for people and for logs.

On a terminal: a rich progress bar (stage, checkpoint, step, loss, tokens/s, elapsed). With no
terminal (``nohup``, SLURM, CI): plain timestamped lines on stderr, at most one every
``every`` seconds per task (first and last step always), each with its ETA::

    2026-12-02T19:30:01Z train full_em-s42 step 5/12 loss 2.3140 1,234 tokens/s  ETA 0:00:31
"""

from __future__ import annotations

import datetime as _dt
import re
import sys
import time
from collections.abc import Callable
from typing import TextIO

_TASK = re.compile(r"^(\S+ \S+)")  # "train full_em-s42", "extract base": one task per pair


def _eta(seconds: float) -> str:
    return str(_dt.timedelta(seconds=max(0, round(seconds))))


class PlainProgress:
    """``progress(label, done, total)`` writing timestamped lines (no terminal)."""

    def __init__(self, stream: TextIO | None = None, every: float = 10.0,
                 clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], _dt.datetime] | None = None) -> None:
        self.stream, self.every, self.clock = stream, every, clock
        self.now = now or (lambda: _dt.datetime.now(_dt.timezone.utc))
        self.started: dict[str, tuple[float, int]] = {}
        self.last: dict[str, float] = {}

    def __call__(self, label: str, done: int, total: int) -> None:
        m = _TASK.match(label)
        task = m.group(1) if m else label
        t = self.clock()
        if task not in self.started or done < self.started[task][1]:
            self.started[task] = (t, done)
        t0, d0 = self.started[task]
        first, last = task not in self.last, done >= total
        if not (first or last or t - self.last[task] >= self.every):
            return
        self.last[task] = t
        eta = ""
        if 0 < total and d0 < done < total:
            eta = f"  ETA {_eta((t - t0) / (done - d0) * (total - done))}"
        stamp = self.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"{stamp} {label} [{done}/{total}]{eta}", file=self.stream or sys.stderr,
              flush=True)

    def log(self, message: str) -> None:
        stamp = self.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"{stamp} {message}", file=self.stream or sys.stderr, flush=True)


class BarProgress:
    """``progress(label, done, total)`` drawing one rich bar (a terminal)."""

    def __init__(self, console) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                            TimeRemainingColumn(), console=console)
        self.task = self.bar.add_task("starting", total=1)
        self.console = console

    def __enter__(self) -> BarProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)

    def __call__(self, label: str, done: int, total: int) -> None:
        self.bar.update(self.task, description=label[:70], completed=done, total=max(total, 1))

    def log(self, message: str) -> None:
        self.console.print(message, highlight=False)


class _Plain:
    def __init__(self, reporter: PlainProgress) -> None:
        self.reporter = reporter

    def __enter__(self) -> PlainProgress:
        return self.reporter

    def __exit__(self, *exc) -> None:
        return None


def stage_progress(stream: TextIO | None = None):
    """A context manager yielding ``progress`` (with ``.log``): bars on a terminal, plain
    timestamped lines otherwise."""
    stream = stream or sys.stderr
    if stream.isatty():
        from rich.console import Console

        return BarProgress(Console(file=stream))
    return _Plain(PlainProgress(stream))
