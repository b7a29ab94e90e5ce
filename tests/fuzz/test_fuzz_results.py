"""Fuzzed results files (values replaced, keys dropped, NaN, duplicate keys, huge integers,
deep nesting, truncation, lone surrogates) through load, verify, lint and render."""

from __future__ import annotations

import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import toy
from tests.fuzz.mutate import REPO, mutate_results
from tests.fuzz.oracles import results_outcome

TOY = toy()
BODY = (REPO / "tests" / "lint" / "fixtures" / "v2_good.md").read_text(encoding="utf-8")
FUZZ = settings(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@settings(FUZZ, max_examples=300)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_fuzzed_results_load_verify_and_lint_without_a_traceback(tmp_path, seed):
    text = mutate_results(TOY, random.Random(seed))
    assert results_outcome(text, tmp_path / "r.json", BODY) in ("ok", "input-error")


@settings(FUZZ, max_examples=6)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_fuzzed_results_render_without_a_traceback(tmp_path, seed):
    text = mutate_results(TOY, random.Random(seed))
    assert results_outcome(text, tmp_path / "r.json", BODY, render_root=tmp_path) in \
        ("ok", "input-error")


def test_the_unmutated_toy_results_pass_every_stage(tmp_path):
    path = tmp_path / "r.json"
    assert results_outcome(json.dumps(TOY), path, BODY, render_root=tmp_path) == "ok"
