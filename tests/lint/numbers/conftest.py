"""The number checker's tests run on the ``two_lrs`` preset of the one run builder (values
chosen by hand: base 0.9000 / 0.8000, posts 0.9150 ... 0.9120, LoRA deltas 0.0100 / 0.1000)."""

from __future__ import annotations

import pytest

from personageo.schema import RunResult


@pytest.fixture
def run(runs) -> RunResult:
    return runs.as_run(runs.two_lrs())


@pytest.fixture
def fresh_run(runs):
    """A factory for independent copies of the hand-made run."""
    return lambda: runs.as_run(runs.two_lrs())
