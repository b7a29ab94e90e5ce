"""Analysis settings: statistics, multiple testing, verdict rule."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from personageo.config._base import Section


class VerdictSpec(Section):
    low: float = 0.5
    high: float = 1.5
    min_votes: int = 3
    voting_lr: float | None = None
    """Only conditions at this learning rate vote (the original: 2e-5); None = all vote."""


class IntervalSettings(Section):
    n_resamples: int = Field(default=1000, ge=0)
    """Bootstrap resamples over questions (seeds as an outer level); 0 = no intervals (then
    no interval verdicts either: every layer abstains)."""
    level: float = Field(default=0.95, gt=0.0, lt=1.0)
    """Coverage of every interval."""


class AnalysisSettings(Section):
    metric: str = "M1"
    test: Literal["question", "persona", "pair_signflip"] = "question"
    """Permutation scheme; ``question`` is the sound default when per-question vectors exist."""
    alternative: Literal["greater", "less", "two-sided"] = "two-sided"
    n_perm: int = 10000
    seed: int = 42
    exact_reproduction: bool = False
    """Reproduce the original test exactly (pair sign flip, p = b/n, re-seeded per cell), its
    point-ratio votes, ratios divided whatever the baseline delta, duplicates kept."""
    correction: Literal["bh", "holm", "bonferroni", "none", "bh_running_max"] = "bh"
    alpha: float = 0.01
    verdict: VerdictSpec = VerdictSpec()
    intervals: IntervalSettings = IntervalSettings()
    """Confidence intervals of every M1, delta, ratio and difference."""
    merge_duplicate_questions: bool = True
    """Average the vectors of questions with identical text into one question before any
    metric, test or interval (ignored under ``exact_reproduction``, which keeps them)."""
