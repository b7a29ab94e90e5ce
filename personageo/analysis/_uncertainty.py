"""Intervals for the analysis: bootstrap replicates of every M1 and what is derived from them.

One :class:`Bootstrap` per run. For each (method, layer) it draws the question resamples once and
applies them to every checkpoint, so the base, post and baseline rows of a comparison share
their questions in every replicate. Deltas, ratios and differences are formed replicate by
replicate; seeds enter as an outer level (:func:`personageo.stats.bootstrap.seed_mean_replicates`).
"""

from __future__ import annotations

import hashlib

import numpy as np

from personageo.schema import Interval, IntervalSpec
from personageo.stats import gpu_selected
from personageo.stats.bootstrap import (
    draw_questions,
    m1_replicates,
    percentile_interval,
    ratio_replicates,
    seed_mean_replicates,
)


def stream_seed(base_seed: int, label: str) -> int:
    """Independent, reproducible generator seed for ``label`` (a cell, a bootstrap block)."""
    digest = hashlib.sha256(f"{base_seed}:{label}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def interval(pair) -> Interval | None:
    return None if pair is None else Interval(low=pair[0], high=pair[1])


class Bootstrap:
    """M1 replicates per (checkpoint, method, layer); ``enabled`` is False with 0 resamples."""

    def __init__(self, n_resamples: int, level: float, seed: int) -> None:
        self.n_resamples = int(n_resamples)
        self.level = float(level)
        self.seed = int(seed)
        self.reps: dict[tuple[str, str, int], np.ndarray] = {}
        self.multi_seed = False
        #: the resampling products run where the question test runs (a CUDA device or the host)
        self.device = "cuda" if gpu_selected() else None

    @property
    def enabled(self) -> bool:
        return self.n_resamples > 0

    def spec(self) -> IntervalSpec | None:
        if not self.enabled:
            return None
        return IntervalSpec(method="question_bootstrap_percentile",
                            outer_level="seed" if self.multi_seed else None,
                            level=self.level, n_resamples=self.n_resamples, seed=self.seed)

    def add_block(self, method: str, layer: int, vectors: dict[str, np.ndarray]) -> None:
        """Replicates of every checkpoint's M1 at (method, layer) from the same resamples;
        ``vectors`` maps checkpoint id -> [P, Q, D]."""
        if not self.enabled:
            return
        n_questions = next(iter(vectors.values())).shape[1]
        rng = np.random.default_rng(stream_seed(self.seed, f"bootstrap:{method}:L{layer}"))
        idx = draw_questions(rng, self.n_resamples, n_questions)
        for ck, v in vectors.items():
            self.reps[(ck, method, layer)] = m1_replicates(v, idx, device=self.device)

    def m1(self, ck: str, method: str, layer: int) -> np.ndarray | None:
        return self.reps.get((ck, method, layer))

    def delta(self, post: str, base: str, method: str, layer: int) -> np.ndarray | None:
        a, b = self.m1(post, method, layer), self.m1(base, method, layer)
        return None if a is None or b is None else a - b

    def seed_mean(self, per_seed: list[np.ndarray | None], label: str) -> np.ndarray | None:
        """Mean over seeds with seeds resampled as an outer level."""
        if not per_seed or any(r is None for r in per_seed):
            return None
        if len(per_seed) > 1:
            self.multi_seed = True
        rng = np.random.default_rng(stream_seed(self.seed, f"seeds:{label}"))
        return seed_mean_replicates(np.stack(per_seed), rng)

    def ci(self, reps: np.ndarray | None) -> Interval | None:
        if reps is None:
            return None
        return interval(percentile_interval(reps, self.level))

    def contrast(self, delta: np.ndarray | None, baseline: np.ndarray | None,
                 ratio_defined: bool) -> dict:
        """Intervals of the baseline delta, the ratio (when defined) and the difference."""
        if delta is None or baseline is None:
            return {"baseline_delta_ci": self.ci(baseline), "ratio_ci": None,
                    "difference_ci": None}
        return {"baseline_delta_ci": self.ci(baseline),
                "ratio_ci": self.ci(ratio_replicates(delta, baseline)) if ratio_defined else None,
                "difference_ci": self.ci(delta - baseline)}
