"""Analysis settings: statistics, multiple testing, verdict rule."""

from __future__ import annotations

from typing import Literal

from personageo.config._base import Section


class VerdictSpec(Section):
    low: float = 0.5
    high: float = 1.5
    min_votes: int = 3
    voting_lr: float | None = None
    """Only conditions at this learning rate vote (the original: 2e-5); None = all vote."""


class AnalysisSettings(Section):
    metric: str = "M1"
    test: Literal["question", "persona", "pair_signflip"] = "question"
    """Permutation scheme; ``question`` is the sound default when per-question vectors exist."""
    alternative: Literal["greater", "less", "two-sided"] = "two-sided"
    n_perm: int = 10000
    seed: int = 42
    exact_reproduction: bool = False
    """Reproduce the original test exactly (pair sign flip, p = b/n, re-seeded per cell)."""
    correction: Literal["bh", "holm", "bonferroni", "none", "bh_running_max"] = "bh"
    alpha: float = 0.01
    verdict: VerdictSpec = VerdictSpec()
