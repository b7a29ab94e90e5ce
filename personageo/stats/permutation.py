"""Permutation tests for a change in persona geometry between a base and a post checkpoint.

Three tests, from the original to the sound default:

* :func:`pair_signflip_test` -- the original issue-238 test: sign flips of the paired
  pair-cosine differences. Its units (persona pairs) share personas, so they are not
  exchangeable; kept for reproduction and comparison. ``legacy=True`` reproduces the original's
  conventions exactly (re-seeding per cell, ``p = b / n_perm``) and flags the result.
* :func:`persona_test` -- exchange base and post centroid per persona.
* :func:`question_test` -- exchange base and post vectors per question (the same swap for all
  personas) and recompute the centroids: the sound default when per-question vectors exist.

All return a :class:`PermutationResult` recording everything needed to re-derive ``p``.
How patterns are drawn (and when they are enumerated exactly) is described in
``personageo.stats._patterns``.
"""

from __future__ import annotations

import numpy as np

from personageo.stats import _patterns as pat
from personageo.stats._exchange import persona_test, question_test
from personageo.stats._result import PermutationResult, make_result

__all__ = [
    "PermutationResult",
    "pair_signflip_test",
    "pair_signflip_test_many",
    "persona_test",
    "question_test",
]


# --------------------------------------------------------------------------- pair sign flip
def pair_signflip_test(
    base_pairs,
    post_pairs,
    *,
    n_perm: int = 10000,
    alternative: str = "greater",
    seed: int | None = None,
    legacy: bool = False,
) -> PermutationResult:
    """Sign-flip permutation test on paired pair-cosine differences (the original test).

    Parameters
    ----------
    base_pairs, post_pairs : array_like, shape (n,)
        The off-diagonal cosines (``offdiag(cosine_matrix(c))``, 66 for 12 personas) of the base
        and the post checkpoint, in the same pair order.
    n_perm : int, default 10000
        Number of random sign patterns. When ``n_perm >= 2**n - 1`` (and not ``legacy``) all
        ``2**n - 1`` non-identity patterns are enumerated instead and the result is ``exact``.
    alternative : {"greater", "less", "two-sided"}, default "greater"
        "greater": the post checkpoint's pairs are more similar (M1 rose).
    seed : int or None
        Generator seed. ``None`` draws one from OS entropy and records it in the result (an
        exact result draws nothing and records the seed as given).
    legacy : bool, default False
        Exact-reproduction mode of the original code: ``p = b / n_perm`` (which can be 0) and
        ``reseeded_per_cell=True``; requires ``seed`` (the original used 42). Never exact.

    Returns
    -------
    PermutationResult
        ``kind="pair_signflip"``, ``statistic = mean(post_pairs - base_pairs)``.

    Notes
    -----
    With ``d = post - base``, the null distribution is that of ``mean(s * d)`` for independent
    uniform signs ``s``. ``b`` counts permutations with ``T >= T_obs`` ("greater"),
    ``T <= T_obs`` ("less") or ``|T| >= |T_obs|`` ("two-sided"), a tie being a value within
    ``1e-10 * max(|T_obs|, max|d|)`` of ``T_obs`` (so exact ties count also when ``T_obs = 0``). ``p = (b + 1) / (n_perm + 1)`` [1]_ by default, which is never below
    ``1 / (n_perm + 1)``; with exact enumeration that equals the exact permutation p-value.

    The 66 pairs share personas (each persona is in 11 pairs), so they are not exchangeable
    and this test is typically anti-conservative; prefer :func:`question_test` or
    :func:`persona_test`.

    References
    ----------
    .. [1] B. Phipson and G. K. Smyth, "Permutation p-values should never be zero",
       Statistical Applications in Genetics and Molecular Biology 9(1), 2010.

    Examples
    --------
    >>> import numpy as np
    >>> base = np.array([0.50, 0.52, 0.48, 0.51])
    >>> post = base + np.array([0.02, 0.03, 0.01, 0.02])
    >>> res = pair_signflip_test(base, post, n_perm=100)   # 100 >= 2**4 - 1: exact
    >>> res.exact, res.n_perm, res.b, round(res.p, 4)
    (True, 15, 0, 0.0625)
    """
    base, post = pat.paired_arrays(base_pairs, post_pairs, ("base_pairs", "post_pairs"), 1)
    return pair_signflip_test_many(
        (post - base)[None, :], n_perm=n_perm, alternative=alternative, seed=seed, legacy=legacy
    )[0]


def pair_signflip_test_many(
    diffs,
    *,
    n_perm: int = 10000,
    alternative: str = "greater",
    seed: int | None = None,
    legacy: bool = False,
) -> list[PermutationResult]:
    """:func:`pair_signflip_test` for many cells at once, vectorised across cells.

    Parameters
    ----------
    diffs : array_like, shape (cells, n)
        Paired differences ``post - base`` of each cell's pair cosines.
    n_perm, alternative, legacy
        As in :func:`pair_signflip_test`.
    seed : int or None
        ``legacy=True``: every cell re-uses ``seed`` (the original's re-seeding; the cells then
        share one set of sign patterns). Otherwise cell ``i`` uses seed ``seed + i`` (``seed``
        drawn from OS entropy when None), recorded in its result, so each cell's result equals
        ``pair_signflip_test`` called with that seed. Exact cells record ``seed + i`` (or None).

    Returns
    -------
    list of PermutationResult
        One per cell, in order.

    Notes
    -----
    Conventions as in :func:`pair_signflip_test`. The statistic of a pattern ``f`` (1 = flip)
    is computed as ``(sum(d) - 2 f.d) / n``, the same expression for the observed statistic
    (``f = 0``) and for every permutation.

    Examples
    --------
    >>> d = np.array([[0.5, 0.25, 0.25, 0.5], [0.25, -0.5, 0.0, 0.25]])
    >>> [(r.b, r.p) for r in pair_signflip_test_many(d, n_perm=15)]   # exact: 15 patterns
    [(0, 0.0625), (9, 0.625)]
    """
    d = pat.finite_array(diffs, "diffs", 2)
    n_perm = pat.check_n_perm(n_perm)
    alternative = pat.check_alternative(alternative)
    seed = pat.check_seed(seed)
    if legacy and seed is None:
        raise ValueError("`seed` must be given when `legacy=True` (the original re-seeded with 42)")
    cells, n = d.shape
    exact = not legacy and pat.is_exact(n_perm, n)
    n_eval = 2**n - 1 if exact else n_perm

    def counts(rng: np.random.Generator, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        total = block.sum(axis=1)
        observed = total / n
        scale = np.abs(block).max(axis=1)  # bounds |T| over all patterns
        b = np.zeros(block.shape[0], dtype=np.int64)
        for flips in pat.pattern_chunks(rng, n_perm, n, 8 * block.shape[0], exact=exact):
            # einsum, not BLAS: threaded BLAS is slow for this skinny product on a busy machine
            null = (total - 2.0 * np.einsum("mn,cn->mc", flips, block)) / n
            b += pat.count_extreme(null, observed, alternative, scale)
        return observed, b

    if legacy:
        observed, b = counts(np.random.default_rng(seed), d)
        return [
            make_result(observed[i], b[i], n_eval, "pair_signflip", alternative, seed, legacy=True)
            for i in range(cells)
        ]
    root = seed if exact else pat.resolve_seed(seed)
    out = []
    for i in range(cells):
        cell_seed = None if root is None else root + i
        observed, b = counts(np.random.default_rng(cell_seed), d[i : i + 1])
        out.append(
            make_result(
                observed[0], b[0], n_eval, "pair_signflip", alternative, cell_seed, exact=exact
            )
        )
    return out
