"""Verdict rule: a per-layer vote of delta ratios (full fine-tune vs baseline)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["VERDICT_LABELS", "VoteResult", "vote"]

VERDICT_LABELS = {"H1": "Rank bottleneck", "H2": "Generic collapse", "H3": "Full-param worse"}
"""Default meaning of the three results (issue 238)."""


@dataclass(frozen=True)
class VoteResult:
    """Outcome of :func:`vote`.

    Attributes
    ----------
    votes_low, votes_high : int
        Layers whose ratio is ``< low`` (vote H1) and ``> high`` (vote H3).
    n : int
        Layers that voted (ratios that are not None).
    result : str
        ``"H1"``, ``"H2"`` or ``"H3"``.
    low, high : float
    min_votes : int
        The thresholds the vote was taken with.
    n_missing : int
        Ratios that were None (baseline delta 0 or unavailable) and did not vote.
    """

    votes_low: int
    votes_high: int
    n: int
    result: str
    low: float = 0.5
    high: float = 1.5
    min_votes: int = 3
    n_missing: int = 0


def vote(
    ratios: Sequence[float | None],
    *,
    low: float = 0.5,
    high: float = 1.5,
    min_votes: int = 3,
) -> VoteResult:
    """Decide H1 / H2 / H3 from the per-layer ratios ``delta_full / delta_baseline``.

    Parameters
    ----------
    ratios : sequence of float or None
        One ratio per layer; None (undefined ratio) does not vote.
    low, high : float, default 0.5 and 1.5
        A layer votes H1 when ``ratio < low`` and H3 when ``ratio > high`` (strict); needs
        ``low <= high``.
    min_votes : int, default 3
        Votes needed for H1 or H3. Must exceed ``len(ratios) / 2`` so that H1 and H3 can never
        both reach it (the rule would be ambiguous); the issue-238 rule is 3 of 5.

    Returns
    -------
    VoteResult
        ``"H1"`` ("rank bottleneck") if ``votes_low >= min_votes``, ``"H3"`` ("full-param
        worse") if ``votes_high >= min_votes``, otherwise ``"H2"`` ("generic collapse").

    Notes
    -----
    The rule is the one of the original analysis (pipeline.md section 5). A negative ratio (the
    two deltas have opposite signs) is ``< low`` and votes H1, as it did there. ``min_votes``
    is checked against ``len(ratios)`` before any value is looked at, so an ambiguous rule is a
    configuration error, never a data-dependent one.

    Examples
    --------
    >>> vote([0.2, 0.3, 1.0, 0.4, None]).result
    'H1'
    >>> vote([0.2, 1.6, 1.0, 1.7, 0.9]).result
    'H2'
    """
    for name, value in (("low", low), ("high", high)):
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or not math.isfinite(value)
        ):
            raise ValueError(f"`{name}` must be a finite number, got {value!r}")
    if low > high:
        raise ValueError(f"`low` must be <= `high`, got low={low!r} high={high!r}")
    values = list(ratios)
    if isinstance(min_votes, bool) or not isinstance(min_votes, numbers.Integral) or min_votes < 1:
        raise ValueError(f"`min_votes` must be an integer >= 1, got {min_votes!r}")
    if 2 * min_votes <= len(values):
        raise ValueError(
            f"`min_votes` must be > len(ratios) / 2 = {len(values) / 2:g} so that H1 and H3 "
            f"cannot both win, got {min_votes}"
        )
    present = []
    for i, r in enumerate(values):
        if r is None:
            continue
        if isinstance(r, bool) or not isinstance(r, numbers.Real) or not math.isfinite(r):
            raise ValueError(f"`ratios[{i}]` must be a finite number or None, got {r!r}")
        present.append(float(r))
    votes_low = sum(r < low for r in present)
    votes_high = sum(r > high for r in present)
    if votes_low >= min_votes:
        result = "H1"
    elif votes_high >= min_votes:
        result = "H3"
    else:
        result = "H2"
    return VoteResult(
        votes_low=votes_low,
        votes_high=votes_high,
        n=len(present),
        result=result,
        low=float(low),
        high=float(high),
        min_votes=int(min_votes),
        n_missing=len(values) - len(present),
    )
