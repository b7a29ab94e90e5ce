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


def cross_fitted_gram(vectors) -> np.ndarray:
    """``U`` of the module docstring: ``[P, P]`` inner products without same-question terms.

    Parameters
    ----------
    vectors : array_like, shape (P, Q, D)
        Per-question vectors of one checkpoint, one layer, ``Q >= 2``.
    """
    arr = np.asarray(vectors, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[1] < 2:
        raise ValueError(f"`vectors` must have shape (P, Q, D) with Q >= 2, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("`vectors` must contain only finite numbers (found NaN or inf)")
    n_questions = arr.shape[1]
    sums = arr.sum(axis=1)
    same = np.einsum("iqd,jqd->ij", arr, arr)
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
