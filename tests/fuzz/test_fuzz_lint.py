"""Fuzzed bodies (mutated fixtures and write-ups), linted with and without a results file:
a result or a located input error, and every output format serialises; never a traceback."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.mutate import REPO, mutate_text, seed_bodies
from tests.fuzz.oracles import lint_outcome

SEEDS = seed_bodies()
DEMO_RESULTS = str(REPO / "eval_results" / "issue_1" / "run_result.json")
FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


def _fragment(seed: int, size: int) -> str:
    rng = random.Random(seed)
    body = SEEDS[seed % len(SEEDS)]
    start = rng.randint(0, max(0, len(body) - size))
    return mutate_text(body[start:start + size], rng)


@settings(FUZZ, max_examples=1000)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_fuzzed_fragments_lint_without_a_traceback(seed):
    assert lint_outcome(_fragment(seed, 300)) in ("ok", "findings", "input-error")


@settings(FUZZ, max_examples=60)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_fuzzed_whole_bodies_lint_without_a_traceback(seed):
    assert lint_outcome(_fragment(seed, 1 << 20)) in ("ok", "findings", "input-error")


@settings(FUZZ, max_examples=20)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_fuzzed_bodies_lint_against_results_without_a_traceback(seed):
    assert lint_outcome(_fragment(seed, 1500), (DEMO_RESULTS,)) in \
        ("ok", "findings", "input-error")
