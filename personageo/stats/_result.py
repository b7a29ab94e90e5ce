"""The result object every permutation test returns, and the one place its p-value is computed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PermutationResult:
    """Outcome of one permutation test.

    Attributes
    ----------
    statistic : float
        Observed statistic (mean pair-cosine difference, or ``M1(post) - M1(base)``).
    b : int
        Exceedance count: permutations at least as extreme as ``statistic``.
    n_perm : int
        Number of permutations evaluated (``2**n - 1`` when ``exact``).
    p : float
        The p-value under ``p_convention``.
    kind : str
        ``"pair_signflip"``, ``"persona"`` or ``"question"``.
    alternative : str
        ``"greater"``, ``"less"`` or ``"two-sided"``.
    p_convention : str
        ``"plus_one"``: ``p = (b + 1) / (n_perm + 1)``; ``"b_over_n"``: ``p = b / n_perm``
        (the original code; can be 0; exact-reproduction mode only).
    seed : int or None
        Seed of the generator that drew the patterns (drawn from OS entropy and recorded when the
        caller gave none); for an exact result, which draws nothing, the seed as given.
    reseeded_per_cell : bool
        True when every cell of a family re-used the same seed (the original's behaviour).
    exact : bool
        True when all non-identity swap patterns were enumerated (no randomness involved).
    """

    statistic: float
    b: int
    n_perm: int
    p: float
    kind: str
    alternative: str
    p_convention: str
    seed: int | None
    reseeded_per_cell: bool
    exact: bool = False


def make_result(statistic, b, n_perm, kind, alternative, seed, *, legacy=False, exact=False):
    b = int(b)
    p = b / n_perm if legacy else (b + 1) / (n_perm + 1)
    return PermutationResult(
        statistic=float(statistic),
        b=b,
        n_perm=int(n_perm),
        p=float(p),
        kind=kind,
        alternative=alternative,
        p_convention="b_over_n" if legacy else "plus_one",
        seed=seed,
        reseeded_per_cell=legacy,
        exact=exact,
    )
