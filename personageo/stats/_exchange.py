"""Exchange tests: swap base and post per persona or per question (re-exported by permutation)."""

from __future__ import annotations

import os

import numpy as np

from personageo.stats import _patterns as pat
from personageo.stats import _question_engines as qe
from personageo.stats._result import PermutationResult, make_result


def _unit_rows(x: np.ndarray, name: str) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError(f"`{name}` must not contain a zero centroid (its cosine is undefined)")
    return x / norms


def _m1_from_gram(gram: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """M1 of a batch of centroid sets given their Gram matrices ``[m, P, P]``."""
    return qe.m1_from_gram(gram, rows, cols)


def persona_test(
    base_centroids,
    post_centroids,
    *,
    n_perm: int = 10000,
    alternative: str = "greater",
    seed: int | None = None,
) -> PermutationResult:
    """Persona-level exchange test of ``M1(post) - M1(base)``.

    Parameters
    ----------
    base_centroids, post_centroids : array_like, shape (P, D)
        Persona centroids of the base and the post checkpoint, same persona order, ``P >= 2``.
    n_perm : int, default 10000
        Number of random swap patterns. When ``n_perm >= 2**P - 1`` all ``2**P - 1``
        non-identity patterns are enumerated instead (``exact=True``, ``n_perm = 2**P - 1``):
        with the 12 personas of issue 238 the default 10000 gives the exact test over 4096.
    alternative : {"greater", "less", "two-sided"}, default "greater"
    seed : int or None
        Generator seed; None draws one from OS entropy and records it in the result (not when
        exact: no draw is made and the seed is recorded as given).

    Returns
    -------
    PermutationResult
        ``kind="persona"``, ``statistic = M1(post) - M1(base)``.

    Notes
    -----
    A pattern ``s`` in {0, 1}^P exchanges the base and post centroid of every persona with
    ``s_p = 1``; the permuted statistic is ``M1(post') - M1(base')``. Swapping does not change
    any centroid's norm, so with ``A = cos(post) - cos(base)`` and
    ``C[i, j] = cos(post_i, base_j) - cos(base_i, post_j)`` the statistic is exactly linear in
    ``s``: ``T(s) = T_obs + s . w`` with ``w_k = (colsum(C)_k - rowsum_offdiag(A)_k) / M``,
    ``M = P (P - 1) / 2``. Swapping everybody gives ``-T_obs``, so the null is symmetric.
    ``b`` counts ``T >= T_obs`` / ``T <= T_obs`` / ``|T| >= |T_obs|``, a tie being a value within
    ``1e-10 * (|T_obs| + sum|w|)`` of ``T_obs`` (a bound on ``|T|``, so exact ties count also when
    ``T_obs = 0``); ``p = (b + 1) / (n_perm + 1)``, the exact p-value when enumerated.

    References
    ----------
    .. [1] B. Phipson and G. K. Smyth, "Permutation p-values should never be zero",
       Statistical Applications in Genetics and Molecular Biology 9(1), 2010.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> base = rng.normal(size=(4, 8))
    >>> post = base + 0.5                       # a common shift raises the cosines
    >>> res = persona_test(base, post)          # 10000 >= 2**4 - 1: exact over 15 patterns
    >>> res.exact, res.n_perm, res.b, res.p     # with 4 personas p can't go below 1/16
    (True, 15, 3, 0.25)
    """
    base, post = pat.paired_arrays(base_centroids, post_centroids, ("base_centroids", "post_centroids"), 2)
    n_perm = pat.check_n_perm(n_perm)
    alternative = pat.check_alternative(alternative)
    seed = pat.check_seed(seed)
    n_personas = base.shape[0]
    if n_personas < 2:
        raise ValueError(f"`base_centroids` must hold at least 2 personas, got {n_personas}")
    ub = _unit_rows(base, "base_centroids")
    up = _unit_rows(post, "post_centroids")
    a = np.clip(up @ up.T, -1, 1) - np.clip(ub @ ub.T, -1, 1)
    c = np.clip(up @ ub.T, -1, 1) - np.clip(ub @ up.T, -1, 1)
    n_pairs = n_personas * (n_personas - 1) / 2
    observed = np.triu(a, k=1).sum() / n_pairs
    weights = (c.sum(axis=0) - (a.sum(axis=1) - np.diag(a))) / n_pairs

    scale = abs(observed) + np.abs(weights).sum()

    exact = pat.is_exact(n_perm, n_personas)
    seed = seed if exact else pat.resolve_seed(seed)
    rng = np.random.default_rng(seed)
    b = 0
    for swaps in pat.pattern_chunks(rng, n_perm, n_personas, 8, exact=exact):
        null = observed + np.einsum("mp,p->m", swaps, weights)
        b += int(pat.count_extreme(null, observed, alternative, scale))
    n_eval = 2**n_personas - 1 if exact else n_perm
    return make_result(observed, b, n_eval, "persona", alternative, seed, exact=exact)


BACKENDS = ("auto", "float64", "float32", "torch")
BACKEND_ENV = "PERSONAGEO_QUESTION_BACKEND"
"""Environment variable naming the question test's backend when the caller passes none."""


def question_test(
    base_vectors,
    post_vectors,
    *,
    n_perm: int = 10000,
    alternative: str = "greater",
    seed: int | None = None,
    batch_size: int | None = None,
    backend: str | None = None,
) -> PermutationResult:
    """Question-level exchange test of ``M1(post) - M1(base)``: the sound default.

    Parameters
    ----------
    base_vectors, post_vectors : array_like, shape (P, Q, D)
        Per-question vectors of the base and the post checkpoint (same persona and question
        order), one layer.
    n_perm : int, default 10000
        Number of random swap patterns; all ``2**Q - 1`` non-identity patterns are enumerated
        instead when ``n_perm >= 2**Q - 1`` (only for a handful of questions).
    alternative : {"greater", "less", "two-sided"}, default "greater"
    seed : int or None
        Generator seed; None draws one from OS entropy and records it in the result (not when
        exact: no draw is made and the seed is recorded as given).
    batch_size : int or None
        Permutations evaluated per chunk. Default: chunks of about 32 MiB. Does not change the
        result.
    backend : {"auto", "float64", "float32", "torch"} or None
        How the permuted statistics are computed; never changes ``b`` (see Notes). "float64":
        the reference algebra; "float32": blocked float32 quadratic forms on the CPU; "torch":
        float64 quadratic forms on a CUDA device (requires torch and a GPU); "auto": torch when
        a CUDA device is present, else float32 where it does less work than float64
        (``D > Q (P + 1) / 2``), else float64. None: the environment variable
        ``PERSONAGEO_QUESTION_BACKEND``, else "auto".

    Returns
    -------
    PermutationResult
        ``kind="question"``, ``statistic = M1(centroids(post)) - M1(centroids(base))``.

    Notes
    -----
    A pattern ``s`` in {0, 1}^Q exchanges base and post vectors of question ``q`` (for all
    personas at once) when ``s_q = 1``; centroids are recomputed and the statistic is
    ``M1(post') - M1(base')``. Vectorised as ``base' = c_base + E``, ``post' = c_post - E``
    with ``E = S Delta / Q`` and ``Delta_q = post[:, q] - base[:, q]``; the permuted Gram
    matrices are expanded as ``G_base + c_base E^T + E c_base^T + E E^T`` (and likewise for
    post), and M1 is taken from them. Swapping every question gives ``-T_obs``, so the null
    is symmetric. ``b`` counts ``T >= T_obs`` / ``T <= T_obs`` / ``|T| >= |T_obs|``, a tie being
    a value within ``1e-10 * 2`` of ``T_obs`` (2 bounds a difference of mean cosines, so exact
    ties count also when ``T_obs = 0``); ``p = (b + 1) / (n_perm + 1)``. Questions are the
    exchangeable units, so the test is valid for the question sample, unlike the pair sign
    flip. Cost: about ``n_perm * P * Q * D`` multiply-adds (10000 x 12 x 240 x 3584 ~ 1e11
    per cell at Qwen2.5-7B's width).

    The fast backends write ``E_i . E_j = s^T K_ij s`` with ``K_ij = Delta_i Delta_j^T / Q^2``
    (about ``n_perm * Q^2 * P (P + 1) / 2`` multiply-adds, in one large matrix product) and give
    each permuted value an error band; values within their band of the decision boundary are
    recomputed by the float64 reference, so every backend returns the reference's ``b``
    (details in ``personageo.stats._question_engines``).

    References
    ----------
    .. [1] B. Phipson and G. K. Smyth, "Permutation p-values should never be zero",
       Statistical Applications in Genetics and Molecular Biology 9(1), 2010.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> base = rng.normal(size=(3, 20, 5))
    >>> post = base + rng.normal(size=(3, 20, 5)) + 1.0
    >>> res = question_test(base, post, n_perm=999, seed=1)
    >>> res.kind, res.n_perm, res.b, round(res.p, 4)
    ('question', 999, 1, 0.002)
    """
    base, post = pat.paired_arrays(base_vectors, post_vectors, ("base_vectors", "post_vectors"), 3,
                                   keep_float32=True, check_finite=False)
    n_perm = pat.check_n_perm(n_perm)
    alternative = pat.check_alternative(alternative)
    seed = pat.check_seed(seed)
    batch_size = pat.check_batch_size(batch_size)
    n_personas, n_questions, dim = base.shape
    if n_personas < 2:
        raise ValueError(f"`base_vectors` must hold at least 2 personas, got {n_personas}")
    engine = _engine(_pick_backend(backend, n_personas, n_questions, dim), base, post)
    data = qe.QuestionData(base, post, getattr(engine, "centroids", None))
    # the centroids are float64 sums over the questions: finite exactly when every vector is
    pat.require_finite(base, "base_vectors", data.c_base)
    pat.require_finite(post, "post_vectors", data.c_post)
    _unit_rows(data.c_base, "base_vectors")
    _unit_rows(data.c_post, "post_vectors")
    observed = data.observed()
    if isinstance(engine, type):  # float32 forms are built from the shared float64 data
        engine = engine(data, np.float32)

    exact = pat.is_exact(n_perm, n_questions)
    seed = seed if exact else pat.resolve_seed(seed)
    rng = np.random.default_rng(seed)
    row_bytes = (3 * 8 * n_personas * dim if engine is None
                 else getattr(engine, "row_bytes", 4 * engine.shape[1]))
    b = 0
    chunks = pat.pattern_chunks(
        rng, n_perm, n_questions, row_bytes, exact=exact, batch_size=batch_size
    )
    eps32 = np.finfo(np.float32).eps
    for swaps in chunks:
        if engine is None:
            null = qe.reference_null(data, swaps)
            b += int(pat.count_extreme(null, observed, alternative, 2.0))
            continue
        if isinstance(engine, qe.QuadraticForms):
            deviations = engine.deviations(swaps.astype(np.float32))
            null, band = qe.band_and_null(deviations, data, engine.c_norm, eps32)
        else:
            null, band = engine.null_and_band(swaps)
        b += qe.refined_count(data, null, band, swaps, observed, alternative)
    n_eval = 2**n_questions - 1 if exact else n_perm
    return make_result(observed, b, n_eval, "question", alternative, seed, exact=exact)


def _pick_backend(backend, n_personas: int, n_questions: int, dim: int) -> str:
    if backend is None:
        backend = os.environ.get(BACKEND_ENV) or "auto"
        if backend not in BACKENDS:
            raise ValueError(f"environment variable {BACKEND_ENV} must be one of {BACKENDS}, "
                             f"got {backend!r}")
    if backend not in BACKENDS:
        raise ValueError(f"`backend` must be one of {BACKENDS}, got {backend!r}")
    if backend != "auto":
        return backend
    if gpu_selected("auto"):
        return "torch"
    return "float32" if dim > n_questions * (n_personas + 1) / 2 else "float64"


def gpu_selected(backend: str | None = None) -> bool:
    """True when ``backend`` (None: the environment's, else "auto") is "torch" or "auto" and
    torch sees a CUDA device. The question test and the question bootstrap of one run follow
    the same choice ("torch" without a device is the test's error to report)."""
    if backend is None:
        backend = os.environ.get(BACKEND_ENV) or "auto"
    if backend not in ("auto", "torch"):
        return False
    from personageo.stats._question_torch import cuda_available

    return cuda_available()


def _engine(backend: str, base: np.ndarray, post: np.ndarray):
    """None (float64 reference), the float32 forms' class, or a torch engine built on the GPU."""
    if backend == "float64":
        return None
    if backend == "float32":
        return qe.QuadraticForms
    from personageo.stats._question_torch import TorchForms, cuda_available

    if not cuda_available():
        raise ValueError("`backend='torch'` needs torch and a CUDA device; neither was found "
                         "(use 'auto', 'float32' or 'float64')")
    return TorchForms(base, post)
