"""Multiple-testing correction within a family of tested cells, and the significance rule."""

from __future__ import annotations

import numpy as np

__all__ = ["CORRECTIONS", "adjust_pvalues", "p_floor", "reject", "smallest_adjusted_p",
           "unreachable_alpha"]

_STATSMODELS = {"bh": "fdr_bh", "holm": "holm", "bonferroni": "bonferroni"}
CORRECTIONS = ("bh", "holm", "bonferroni", "none", "bh_running_max")
"""Accepted ``method`` names of :func:`adjust_pvalues` (the schema's ``Family.correction``)."""


def _check_pvalues(pvals) -> np.ndarray:
    p = np.asarray(pvals, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"`pvals` must be 1-dimensional, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("`pvals` must contain only finite values in [0, 1]")
    return p


def adjust_pvalues(pvals, method: str) -> np.ndarray:
    """Adjust a family's p-values for multiple testing.

    Parameters
    ----------
    pvals : array_like, shape (m,)
        Raw p-values of one family, in any order.
    method : {"bh", "holm", "bonferroni", "none", "bh_running_max"}
        "bh": Benjamini-Hochberg step-up FDR [1]_; "holm": Holm step-down FWER [2]_;
        "bonferroni"; "none": the raw p-values; "bh_running_max": the original issue-238 code's
        non-standard BH, for exact reproduction only (see Notes).

    Returns
    -------
    ndarray, shape (m,)
        Adjusted p-values in the input order, each in [0, 1] and >= its raw p-value.

    Notes
    -----
    "bh", "holm" and "bonferroni" are computed by
    ``statsmodels.stats.multitest.multipletests`` (methods ``fdr_bh``, ``holm``,
    ``bonferroni``). BH: with sorted ``p_(1) <= ... <= p_(m)``,
    ``q_(i) = min_{j >= i} min(1, m p_(j) / j)`` (running minimum from the largest p down).

    "bh_running_max" takes the running *maximum* of ``m p_(i) / i`` from the smallest p upward,
    clipped at 1: more conservative than BH and not a recognised procedure. For
    ``p = [0.010, 0.011]`` it gives ``[0.020, 0.020]`` where BH gives ``[0.011, 0.011]``.

    References
    ----------
    .. [1] Y. Benjamini and Y. Hochberg, "Controlling the false discovery rate", JRSS B 57, 1995.
    .. [2] S. Holm, "A simple sequentially rejective multiple test procedure", Scand. J. Stat. 6,
       1979.

    Examples
    --------
    >>> adjust_pvalues([0.010, 0.011], "bh")
    array([0.011, 0.011])
    >>> adjust_pvalues([0.010, 0.011], "bh_running_max")
    array([0.02, 0.02])
    """
    if method not in CORRECTIONS:
        raise ValueError(f"`method` must be one of {CORRECTIONS}, got {method!r}")
    p = _check_pvalues(pvals)
    if p.size == 0 or method == "none":
        return p.copy()
    if method == "bh_running_max":
        order = np.argsort(p, kind="stable")
        ranks = np.arange(1, p.size + 1)
        stepped = np.maximum.accumulate(p[order] * p.size / ranks)
        # m p / m can round one ulp below p: an adjusted p is never below its raw p
        stepped = np.maximum(stepped, p[order])
        out = np.empty_like(p)
        out[order] = np.minimum(stepped, 1.0)
        return out
    from statsmodels.stats.multitest import multipletests

    return np.asarray(multipletests(p, method=_STATSMODELS[method])[1], dtype=np.float64)


def reject(p_adjusted, alpha: float, rule: str = "le") -> np.ndarray:
    """Significance flags of adjusted p-values.

    Parameters
    ----------
    p_adjusted : array_like, shape (m,)
    alpha : float
        Level, ``0 < alpha < 1``.
    rule : {"le", "lt"}, default "le"
        "le": significant when ``p <= alpha`` (the usual definition); "lt": ``p < alpha``
        (what the original code did).

    Returns
    -------
    ndarray of bool, shape (m,)

    Examples
    --------
    >>> reject([0.01, 0.02], 0.01), reject([0.01, 0.02], 0.01, rule="lt")
    (array([ True, False]), array([False, False]))
    """
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, (int, float, np.floating))
        or not (0.0 < float(alpha) < 1.0)
    ):
        raise ValueError(f"`alpha` must be a number with 0 < alpha < 1, got {alpha!r}")
    if rule not in ("le", "lt"):
        raise ValueError(f"`rule` must be 'le' or 'lt', got {rule!r}")
    p = np.asarray(p_adjusted, dtype=np.float64)
    if p.ndim != 1 or np.any(np.isnan(p)):
        raise ValueError("`p_adjusted` must be a 1-dimensional array without NaN")
    return p <= alpha if rule == "le" else p < alpha


def p_floor(n_perm: int, *, exact: bool = False, alternative: str = "greater",
            p_convention: str = "plus_one") -> float:
    """Smallest p-value a permutation test with these settings can return.

    Parameters
    ----------
    n_perm : int
        Permutations evaluated (``2**n - 1`` for an exact test).
    exact : bool
        All non-identity patterns enumerated.
    alternative : {"greater", "less", "two-sided"}
    p_convention : {"plus_one", "b_over_n"}

    Returns
    -------
    float
        ``1 / (n_perm + 1)``; ``2 / (n_perm + 1)`` for an exact two-sided test (the pattern that
        swaps every unit gives ``-T_obs``, always as extreme as ``T_obs``: the null of every
        test here is symmetric); 0 for the ``b / n_perm`` convention.

    Examples
    --------
    >>> p_floor(4095, exact=True, alternative="two-sided")   # exact persona test, 12 personas
    0.00048828125
    >>> round(p_floor(2000), 6)
    0.0005
    """
    if p_convention == "b_over_n":
        return 0.0
    hits = 2 if exact and alternative == "two-sided" else 1
    return hits / (n_perm + 1)


def smallest_adjusted_p(floors, method: str) -> float:
    """Smallest adjusted p-value any cell of a family can reach, given each cell's p floor.

    Every correction here is monotone (no adjusted p decreases when a raw p decreases), so the
    minimum over all attainable raw p-values is reached with every cell at its floor: the
    result is ``min(adjust_pvalues(floors, method))`` -- e.g. ``m * floor`` for Holm and
    Bonferroni, ``floor`` for BH. If it is above ``alpha`` (or equal, under the ``<`` rule), no
    cell of the family can be significant whatever the data.

    Examples
    --------
    >>> round(smallest_adjusted_p([2 / 4096] * 40, "holm"), 5)   # exact persona test, Holm
    0.01953
    >>> round(smallest_adjusted_p([1 / 2001] * 40, "bonferroni"), 5)
    0.01999
    """
    floors = _check_pvalues(floors)
    if floors.size == 0:
        return 1.0
    return float(adjust_pvalues(floors, method).min())


def unreachable_alpha(tests, correction: str, alpha: float, rule: str = "le") -> str | None:
    """Why no cell of a family can be significant whatever the data, or None if one can.

    ``tests`` are the members' recorded tests (objects with ``n_perm``, ``exact``,
    ``alternative`` and ``p_convention``; an unrecorded alternative counts as one-sided, whose
    floor is the lower). The message names the floor, n_perm, the correction and family size.

    Examples
    --------
    >>> from types import SimpleNamespace as T
    >>> t = T(n_perm=4095, exact=True, alternative="two-sided", p_convention="plus_one")
    >>> print(unreachable_alpha([t] * 40, "holm", 0.01))  # doctest: +NORMALIZE_WHITESPACE
    the smallest attainable adjusted p is 0.0195 > alpha = 0.01: each test's floor is 0.000488
    (n_perm 4095, exact two-sided), and holm over 40 cells multiplies it; no cell can be
    significant whatever the data
    """
    tests = list(tests)
    if not tests:
        return None
    floors = [p_floor(t.n_perm, exact=bool(t.exact), alternative=t.alternative or "greater",
                      p_convention=t.p_convention) for t in tests]
    best = smallest_adjusted_p(floors, correction)
    if bool(reject([best], alpha, rule)[0]):
        return None
    low = int(np.argmin(floors))
    t = tests[low]
    kind = ("exact " if t.exact else "") + (t.alternative or "one-sided")
    effect = {"bh": "BH at best keeps it", "none": "no correction keeps it"}.get(
        correction, f"{correction} over {len(tests)} cells multiplies it")
    op = ">=" if rule == "lt" else ">"
    return (f"the smallest attainable adjusted p is {best:.3g} {op} alpha = {alpha:g}: each "
            f"test's floor is {floors[low]:.3g} (n_perm {t.n_perm}, {kind}), and {effect}; no "
            "cell can be significant whatever the data")
