"""Verdict rules: a per-layer vote of delta ratios (full fine-tune vs baseline).

* :func:`vote` -- the original rule: every point ratio votes (exact reproduction).
* :func:`vote_intervals` -- a layer votes only when its ratio *interval* lies on one side of a
  threshold, otherwise it abstains; a verdict without ``min_votes`` votes is "undetermined".
* :func:`undefined_ratio_reason` -- when a ratio must not be formed at all (its baseline delta
  is not distinguishable from 0).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "VERDICT_LABELS",
    "IntervalVoteResult",
    "VoteResult",
    "interval_vote",
    "undefined_ratio_reason",
    "vote",
    "vote_intervals",
]

VERDICT_LABELS = {"H1": "Rank bottleneck", "H2": "Generic collapse", "H3": "Full-param worse",
                  "undetermined": "Undetermined"}
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


def _check_rule(low, high, min_votes, n: int) -> None:
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"`{name}` must be a finite number, got {value!r}")
    if low > high:
        raise ValueError(f"`low` must be <= `high`, got low={low!r} high={high!r}")
    if isinstance(min_votes, bool) or not isinstance(min_votes, numbers.Integral) or min_votes < 1:
        raise ValueError(f"`min_votes` must be an integer >= 1, got {min_votes!r}")
    if 2 * min_votes <= n:
        raise ValueError(f"`min_votes` must be > {n} / 2 so that two results cannot both win, "
                         f"got {min_votes}")


def interval_vote(interval, *, low: float = 0.5, high: float = 1.5) -> str:
    """One layer's vote from its ratio interval ``(lo, hi)`` (None = undefined ratio).

    Returns ``"low"`` when ``hi < low``, ``"high"`` when ``lo > high``, ``"mid"`` when
    ``low <= lo`` and ``hi <= high`` (the interval lies between the thresholds), otherwise
    ``"abstain"`` (also for None).

    Examples
    --------
    >>> interval_vote((0.1, 0.4)), interval_vote((0.1, 0.9)), interval_vote((0.6, 1.2))
    ('low', 'abstain', 'mid')
    >>> interval_vote(None), interval_vote((1.6, 9.0))
    ('abstain', 'high')
    """
    if interval is None:
        return "abstain"
    lo, hi = (float(v) for v in interval)
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        raise ValueError(f"an interval must be finite with low <= high, got {interval!r}")
    if hi < low:
        return "low"
    if lo > high:
        return "high"
    if low <= lo and hi <= high:
        return "mid"
    return "abstain"


@dataclass(frozen=True)
class IntervalVoteResult:
    """Outcome of :func:`vote_intervals`: one vote per layer and the verdict.

    ``votes`` holds ``"low"``/``"mid"``/``"high"``/``"abstain"`` per layer in input order;
    ``result`` is ``"H1"``/``"H2"``/``"H3"`` or ``"undetermined"``.
    """

    votes: tuple[str, ...]
    votes_low: int
    votes_mid: int
    votes_high: int
    abstentions: int
    result: str


def vote_intervals(intervals, *, low: float = 0.5, high: float = 1.5,
                   min_votes: int = 3) -> IntervalVoteResult:
    """Verdict from per-layer ratio intervals; layers that cannot decide abstain.

    Parameters
    ----------
    intervals : sequence of (float, float) or None
        One ratio interval per layer; None (undefined ratio) abstains.
    low, high, min_votes
        As in :func:`vote`; ``min_votes`` must exceed half the layers.

    Returns
    -------
    IntervalVoteResult
        ``H1`` ("rank bottleneck") with ``min_votes`` layers wholly below ``low``, ``H3`` with
        ``min_votes`` wholly above ``high``, ``H2`` with ``min_votes`` wholly between them,
        ``undetermined`` otherwise (the data do not decide).

    Notes
    -----
    Unlike :func:`vote`, H2 is not what is left when H1 and H3 fail: it needs its own votes, so
    noise cannot produce any verdict. A negative ratio votes low only if its whole interval is
    below ``low``.

    Examples
    --------
    >>> r = vote_intervals([(0.1, 0.3), (-0.5, 0.2), (0.2, 0.45), (0.4, 2.0), None])
    >>> r.result, r.votes_low, r.abstentions
    ('H1', 3, 2)
    >>> vote_intervals([(-44.0, 64.0)] * 5).result
    'undetermined'
    """
    values = list(intervals)
    _check_rule(low, high, min_votes, len(values))
    votes = tuple(interval_vote(iv, low=low, high=high) for iv in values)
    counts = {k: votes.count(k) for k in ("low", "mid", "high", "abstain")}
    result = "undetermined"
    for key, res in (("low", "H1"), ("high", "H3"), ("mid", "H2")):
        if counts[key] >= min_votes:
            result = res
            break
    return IntervalVoteResult(votes=votes, votes_low=counts["low"], votes_mid=counts["mid"],
                              votes_high=counts["high"], abstentions=counts["abstain"],
                              result=result)


def undefined_ratio_reason(baseline_delta: float, *, interval=None,
                           significant: bool | None = None) -> str | None:
    """Why ``delta / baseline_delta`` must not be formed, or None when it may.

    The ratio is undefined when the baseline delta is 0, when its confidence ``interval``
    contains 0, or (no interval known) when its test was not ``significant``: dividing by a
    delta not distinguishable from 0 gives a number of any size and either sign.

    Examples
    --------
    >>> undefined_ratio_reason(0.02, interval=(-0.01, 0.05))
    'baseline delta not distinguishable from 0 (interval [-0.01, 0.05] contains 0)'
    >>> undefined_ratio_reason(0.02, interval=(0.01, 0.05)) is None
    True
    """
    if baseline_delta == 0:
        return "baseline delta is 0"
    if interval is not None:
        lo, hi = interval
        if lo <= 0 <= hi:
            return (f"baseline delta not distinguishable from 0 (interval [{lo:.4g}, {hi:.4g}] "
                    "contains 0)")
        return None
    if significant is False:
        return "baseline delta not distinguishable from 0 (its test is not significant)"
    return None
