"""Cross-fitted M1: persona-centroid cosines free of the bias that answer spread puts on M1.

Plain M1 takes cosines of sample centroids ``c_i = mean_q v_iq``. Their squared norms carry the
noise of the questions (``E|c_i|^2 = |mu_i|^2 + tr(Sigma_i) / Q``), so a change in answer spread
alone, with identical population centroids, moves M1: less spread reads as collapse. Taking every
inner product between centroids of *disjoint* question halves (split-half cross-fitting) removes
the same-question terms. Averaged over all splits into halves, the cross-fitted inner product is
the U-statistic

    U_ij = sum_{q != q'} v_iq . v_jq' / (Q (Q - 1)) = (Q^2 c_i . c_j - sum_q v_iq . v_jq) / (Q (Q - 1)),

which is unbiased for ``mu_i . mu_j`` when questions are independent draws, and the cross-fitted
cosine is ``U_ij / sqrt(U_ii U_jj)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cross_fitted_m1", "cross_fitted_gram"]

#: float64 numbers converted at a time by :func:`cross_fitted_gram` (does not change the result
#: beyond rounding)
BLOCK_NUMBERS = 2**20


def cross_fitted_gram(vectors) -> np.ndarray:
    """``U`` of the module docstring: ``[P, P]`` inner products without same-question terms.

    Parameters
    ----------
    vectors : array_like, shape (P, Q, D)
        Per-question vectors of one checkpoint, one layer, ``Q >= 2``.
    """
    arr = np.asarray(vectors)
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    if arr.ndim != 3 or arr.shape[1] < 2:
        raise ValueError(f"`vectors` must have shape (P, Q, D) with Q >= 2, got {arr.shape}")
    n_personas, n_questions, _ = arr.shape
    sums = arr.sum(axis=1, dtype=np.float64)
    # the sums are finite when every value is, unless huge finite values overflow them
    if not np.all(np.isfinite(sums)) and not np.all(np.isfinite(arr)):
        raise ValueError("`vectors` must contain only finite numbers (found NaN or inf)")
    # sum_q v_iq . v_jq is one product over (q, d), taken in float64 block by block (no float64
    # copy of the whole input)
    flat = np.ascontiguousarray(arr).reshape(n_personas, -1)
    step = max(1, BLOCK_NUMBERS // n_personas)
    buf = np.empty((n_personas, min(step, flat.shape[1])))
    same = np.zeros((n_personas, n_personas))
    for start in range(0, flat.shape[1], step):
        block = buf[:, : min(step, flat.shape[1] - start)]
        block[...] = flat[:, start:start + step]
        same += block @ block.T
    return (sums @ sums.T - same) / (n_questions * (n_questions - 1))


def cross_fitted_m1(vectors) -> float | None:
    """M1 from split-half centroids (cross-fitted cosines), averaged over all splits.

    Returns
    -------
    float or None
        Mean over persona pairs ``i < j`` of ``U_ij / sqrt(U_ii U_jj)``; None when some
        ``U_ii <= 0`` (a persona's centroid is not distinguishable from 0 across questions, so
        its cosine is undefined). Not clipped: with noisy data a value can leave [-1, 1]
        slightly, which is the price of unbiasedness.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.array([[[1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.0, 1.0]]])
    >>> cross_fitted_m1(v)      # no spread: equals plain M1
    0.0
    """
    gram = cross_fitted_gram(vectors)
    if gram.shape[0] < 2:
        raise ValueError("`vectors` must hold at least 2 personas")
    diag = np.diag(gram)
    if np.any(diag <= 0):
        return None
    cos = gram / np.sqrt(np.outer(diag, diag))
    rows, cols = np.triu_indices(gram.shape[0], k=1)
    return float(cos[rows, cols].mean())
