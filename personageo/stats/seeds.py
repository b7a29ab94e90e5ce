"""Aggregation of one statistic across training seeds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["SeedSummary", "aggregate_seeds"]


@dataclass(frozen=True)
class SeedSummary:
    """Mean and spread of a statistic over ``n`` seeds.

    Attributes
    ----------
    n : int
        Number of seeds.
    mean : float
    sd : float or None
        Sample standard deviation (``ddof=1``); None when ``n == 1`` (undefined).
    """

    n: int
    mean: float
    sd: float | None


def aggregate_seeds(values: Sequence[float]) -> SeedSummary:
    """Summarise a statistic (e.g. a delta) measured once per seed.

    Parameters
    ----------
    values : sequence of float
        One finite value per seed, at least one.

    Returns
    -------
    SeedSummary
        ``mean`` and the sample standard deviation ``sd`` (denominator ``n - 1``; None for a
        single seed, never 0 by convention).

    Examples
    --------
    >>> aggregate_seeds([1.0, 2.0, 3.0])
    SeedSummary(n=3, mean=2.0, sd=1.0)
    >>> aggregate_seeds([0.1]).sd is None
    True
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"`values` must be a non-empty 1-dimensional sequence, got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("`values` must contain only finite numbers (found NaN or inf)")
    mean = float(arr.mean())
    sd = float(arr.std(ddof=1)) if arr.size > 1 else None
    if sd is not None and not math.isfinite(sd):  # pragma: no cover - finite inputs give finite sd
        raise ValueError("standard deviation overflowed")
    return SeedSummary(n=int(arr.size), mean=mean, sd=sd)
