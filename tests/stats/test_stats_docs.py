"""The numpydoc examples of the statistics modules run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "personageo.stats.geometry",
    "personageo.stats.permutation",
    "personageo.stats._exchange",
    "personageo.stats.multitest",
    "personageo.stats.verdicts",
    "personageo.stats.seeds",
    "personageo.stats.crossfit",
    "personageo.stats.questions",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0


@pytest.mark.parametrize(
    "name", ["pair_signflip_test", "persona_test", "question_test", "adjust_pvalues"]
)
def test_statistics_docstrings_state_their_conventions(name):
    import personageo.stats as stats

    doc = getattr(stats, name).__doc__
    for section in ("Notes", "References", "Examples"):
        assert f"\n    {section}\n    ----" in doc, f"{name} lacks a {section} section"


def test_stats_imports_without_torch_or_statsmodels_at_import_time():
    import subprocess
    import sys

    code = (
        "import sys, personageo.stats; "
        "print(sorted(m for m in ('torch', 'transformers', 'statsmodels') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
