"""Analysis settings: statistics, multiple testing, verdict rule."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from personageo.config._base import Section

#: The original issue-238 analysis (pipeline.md sections 4-5), which ``exact_reproduction``
#: reproduces: its test, sidedness, seed, correction and voting learning rate.
ORIGINAL = {"test": "pair_signflip", "alternative": "greater", "seed": 42,
            "correction": "bh_running_max"}
ORIGINAL_VOTING_LR = 2e-5


class VerdictSpec(Section):
    low: float = 0.5
    high: float = 1.5
    min_votes: int = Field(3, ge=1)
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
    """Permutation scheme; ``question`` is the sound default when per-question vectors exist.
    ``pair_signflip`` does not hold its level (its pairs share personas) and is accepted only
    with ``exact_reproduction``."""
    alternative: Literal["greater", "less", "two-sided"] = "two-sided"
    n_perm: int = Field(10000, ge=1)
    seed: int = 42
    exact_reproduction: bool = False
    """Reproduce the original analysis exactly: one-sided pair sign flip, p = b/n, re-seeded
    with 42 per cell, running-max BH, significance by ``p < alpha``, only lr 2e-5 votes, its
    point-ratio votes, ratios divided whatever the baseline delta, duplicates kept. These
    settings override ``test``, ``alternative``, ``seed``, ``correction`` and
    ``verdict.voting_lr``."""
    correction: Literal["bh", "holm", "bonferroni", "none", "bh_running_max"] = "bh"
    alpha: float = Field(0.01, gt=0.0, lt=1.0)
    verdict: VerdictSpec = VerdictSpec()
    intervals: IntervalSettings = IntervalSettings()
    """Confidence intervals of every M1, delta, ratio and difference."""
    merge_duplicate_questions: bool = True
    """Average the vectors of questions with identical text into one question before any
    metric, test or interval (ignored under ``exact_reproduction``, which keeps them)."""

    @model_validator(mode="after")
    def _original_or_sound(self):
        if not self.exact_reproduction:
            if self.test == "pair_signflip":
                raise ValueError("test 'pair_signflip' does not hold its level (its 66 pairs "
                                 "share personas); it exists only to reproduce the original: "
                                 "set exact_reproduction: true, or use 'question' or 'persona'")
            return self
        for name, value in ORIGINAL.items():  # the original's settings win over any other
            object.__setattr__(self, name, value)
        object.__setattr__(self, "verdict",
                           self.verdict.model_copy(update={"voting_lr": ORIGINAL_VOTING_LR}))
        return self
